"""Reporting an incident: the yearly reference, the timeline, the security officers told, the audit trail."""

import datetime
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification, OutboxEmail
from incidents.choices import Category, EventKind, PersonalData, Status
from incidents.models import Incident, IncidentCounter
from incidents.services import reporting
from incidents.services.reporting import incident_report
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.incidents.reporting_support import PDF, PNG, attachments_dir_fixture, stored_files, upload  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]
UTC = datetime.UTC


def report(actor, *, now=None, **values):
    values = {
        "title": "Email asking for my password",
        "description": "It looked like our IT desk.",
        "category": Category.PHISHING,
        "noticed_at": (now or datetime.datetime.now(UTC)) - datetime.timedelta(minutes=10),
        **values,
    }
    return incident_report(actor=actor, now=now, **values)


def test_references_count_up_within_a_year_and_restart_the_next(staff):
    june = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=UTC)
    assert report(staff, now=june).reference == "INC-2026-0001"
    assert report(staff, now=june).reference == "INC-2026-0002"
    assert report(staff, now=june.replace(year=2027)).reference == "INC-2027-0001"
    assert report(staff, now=june).reference == "INC-2026-0003"
    assert dict(IncidentCounter.objects.values_list("year", "last")) == {2026: 3, 2027: 1}


def test_the_year_is_the_portals_year_not_utcs(staff, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    # 23:30 UTC on New Year's Eve is already 00:30 on 1 January in Berlin.
    new_year = datetime.datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert report(staff, now=new_year).reference == "INC-2027-0001"


def test_the_report_is_saved_as_given_and_is_reported(staff):
    crm, hr = SystemFactory(name="CRM"), SystemFactory(name="HR")
    now = datetime.datetime.now(UTC)
    incident = report(
        staff,
        title="  Laptop   left on the train ",
        occurred_at=now - datetime.timedelta(hours=3),
        personal_data=PersonalData.NO,
        systems=[crm, hr],
        category=Category.LOST_DEVICE,
    )
    incident.refresh_from_db()
    assert incident.title == "Laptop left on the train"
    assert incident.status == Status.REPORTED
    assert incident.severity is None
    assert incident.reported_by == staff
    assert incident.category == Category.LOST_DEVICE
    assert set(incident.systems.all()) == {crm, hr}


def test_the_reported_line_is_visible_to_the_reporter_and_mentions_personal_data(staff):
    incident = report(staff, personal_data=PersonalData.YES)
    line = incident.events.get(kind=EventKind.REPORTED)
    assert line.internal is False
    assert line.actor == staff
    assert "personal data may be involved" in line.text
    plain = report(staff, personal_data=PersonalData.UNKNOWN).events.get(kind=EventKind.REPORTED)
    assert "personal data" not in plain.text


def test_every_active_security_officer_is_told_once(
    staff, security_officer, django_capture_on_commit_callbacks
):
    second = UserFactory(full_name="Sven Second", roles=["security officer"])
    UserFactory(full_name="Gone Officer", roles=["security officer"], is_active=False)
    with django_capture_on_commit_callbacks(execute=False):
        incident = report(staff, title="Ransom note on the file share")
    subject = f"New incident {incident.reference}: Ransom note on the file share"
    told = Notification.objects.filter(subject=subject)
    assert sorted(told.values_list("recipient__email", flat=True)) == sorted(
        [security_officer.email, second.email]
    )
    assert OutboxEmail.objects.filter(subject=subject).count() == 2
    assert not Notification.objects.filter(recipient=staff).exists()
    line = incident.events.get(kind=EventKind.NOTIFICATION)
    assert "Olga Officer" in line.text
    assert "Sven Second" in line.text
    assert line.actor is None  # sent by DPMS, not by the reporter
    assert mail.outbox == []  # sent by the outbox task after commit, not in the request


def test_a_security_officer_reporting_is_not_told_about_their_own_report(security_officer):
    incident = report(security_officer)
    assert not Notification.objects.filter(recipient=security_officer).exists()
    assert incident.pk


def test_the_report_is_audited(staff):
    incident = report(staff)
    event = AuditEvent.objects.get(action="incident.reported")
    assert event.object_id == str(incident.pk)
    assert event.actor == staff
    assert event.changes["reference"] == incident.reference


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"title": "   "}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"description": ""}, "description"),
        ({"category": "gossip"}, "category"),
        ({"personal_data": "maybe"}, "personal_data"),
        ({"noticed_at": None}, "noticed_at"),
        ({"noticed_at": datetime.datetime(2030, 1, 1, tzinfo=UTC)}, "noticed_at"),
        ({"noticed_at": datetime.datetime(2026, 1, 1, 12, 0)}, "noticed_at"),  # naive
        (
            {
                "noticed_at": datetime.datetime(2026, 1, 1, 12, 0, tzinfo=UTC),
                "occurred_at": datetime.datetime(2026, 1, 1, 13, 0, tzinfo=UTC),
            },
            "occurred_at",
        ),
        ({"systems": [987654]}, "systems"),
    ],
)
def test_a_bad_report_is_refused_and_nothing_is_saved(staff, values, field):
    with pytest.raises(ValidationError) as error:
        report(staff, **values)
    assert field in error.value.message_dict
    assert not Incident.objects.exists()
    assert not IncidentCounter.objects.exists()


def test_a_clock_a_few_minutes_ahead_is_not_the_future(staff):
    now = datetime.datetime.now(UTC)
    incident = report(staff, now=now, noticed_at=now + datetime.timedelta(minutes=4))
    assert incident.pk


def test_an_inactive_person_cannot_report(staff):
    staff.is_active = False
    with pytest.raises(PermissionDenied):
        report(staff)


def test_a_disk_error_on_a_later_file_leaves_no_incident_and_no_file(staff, attachments_dir):
    real = reporting.attachment_add
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(**kwargs)

    with (
        mock.patch.object(reporting, "attachment_add", side_effect=second_fails),
        pytest.raises(OSError, match="disk full"),
    ):
        report(staff, uploads=[upload("a.png", PNG), upload("b.pdf", PDF)])
    assert not Incident.objects.exists()
    assert stored_files(attachments_dir) == []
