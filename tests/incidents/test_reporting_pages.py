"""The report page: linked from every page's header, quick to fill, nothing saved when something is wrong."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Category, EventKind, PersonalData
from incidents.models import Incident, IncidentAttachment
from tests.access.factories import SystemFactory
from tests.incidents.reporting_support import (  # noqa: F401 - fixtures
    EXE,
    PNG,
    attachments_dir_fixture,
    filled,
    local_input,
    stored_files,
    upload,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]

REPORT = reverse("incidents:report")


def test_the_header_offers_reporting_on_every_page_when_signed_in(client, client_for, staff):
    assert 'data-testid="report-link"' not in client.get(reverse("account_login")).content.decode()
    signed_in = client_for(staff)
    dashboard = signed_in.get("/", follow=True)
    assert f'href="{REPORT}"' in dashboard.content.decode()
    assert "Report an incident" in dashboard.content.decode()
    assert 'data-testid="report-link"' in signed_in.get(reverse("incidents:mine")).content.decode()


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(REPORT)
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_the_form_offers_every_category_and_now_as_the_noticed_time(client_for, staff):
    SystemFactory(name="Payroll"), SystemFactory(name="CRM")
    response = client_for(staff).get(REPORT)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert all(f'value="{value}"' in page for value in Category.values)
    assert page.index(">CRM<") < page.index(">Payroll<")
    shown = timezone.make_aware(response.context["form"]["noticed_at"].value())  # the viewer's wall clock
    assert abs(timezone.now() - shown) < datetime.timedelta(minutes=2)
    assert f'type="datetime-local" name="noticed_at" value="{shown:%Y-%m-%dT%H:%M}"' in page


def test_a_report_with_a_screenshot_goes_to_the_incident_with_its_reference(
    client_for, staff, attachments_dir
):
    crm = SystemFactory(name="CRM")
    client = client_for(staff)
    data = filled(systems=[crm.pk], personal_data=PersonalData.YES, attachments=[upload("shot.png", PNG)])
    response = client.post(REPORT, data)
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("incidents:detail", args=[incident.pk])
    year = timezone.localtime(incident.reported_at).year
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"Reported as INC-{year}-0001. You can follow it here."
    ]
    assert incident.reported_by == staff
    assert list(incident.systems.all()) == [crm]
    attachment = IncidentAttachment.objects.get()
    assert attachment.original_name == "shot.png"
    assert attachment.internal is False
    assert attachment.event.kind == EventKind.REPORTED
    assert len(stored_files(attachments_dir)) == 1


def test_title_description_category_and_noticed_time_are_enough(client_for, staff):
    data = filled(personal_data=None)
    assert set(data) == {"title", "description", "category", "noticed_at"}
    response = client_for(staff).post(REPORT, data)
    assert response.status_code == 302
    assert Incident.objects.get().personal_data == PersonalData.UNKNOWN


def test_the_noticed_time_is_read_in_the_reporters_time_zone(client_for, staff):
    staff.time_zone = "America/New_York"
    staff.save()
    client_for(staff).post(REPORT, filled(noticed_at="2026-01-15T08:30"))
    noticed = Incident.objects.get().noticed_at
    assert noticed == datetime.datetime(2026, 1, 15, 13, 30, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("values", "field", "message"),
    [
        ({"title": ""}, "title", "Say in a line what happened."),
        ({"category": "gossip"}, "category", "Choose one of the categories."),
        (
            {"noticed_at": local_input(timezone.now() + datetime.timedelta(days=1))},
            "noticed_at",
            "The time it was noticed cannot be in the future.",
        ),
        (
            {
                "noticed_at": local_input(timezone.now() - datetime.timedelta(days=1)),
                "occurred_at": local_input(timezone.now() - datetime.timedelta(hours=1)),
            },
            "occurred_at",
            "It cannot have happened after it was noticed.",
        ),
        ({"noticed_at": "yesterday-ish"}, "noticed_at", "Give a date and time."),
        ({"systems": ["424242"]}, "systems", "Choose systems from the access register."),
    ],
)
def test_mistakes_are_shown_next_to_the_field_and_nothing_is_saved(
    client_for, staff, attachments_dir, values, field, message
):
    data = filled(**values, attachments=[upload("shot.png", PNG)])
    response = client_for(staff).post(REPORT, data)
    assert response.status_code == 400
    assert message in response.context["form"].errors[field]
    assert message in response.content.decode()
    assert not Incident.objects.exists()
    assert stored_files(attachments_dir) == []


def test_a_disallowed_file_refuses_the_whole_report(client_for, staff, attachments_dir):
    data = filled(attachments=[upload("shot.png", PNG), upload("invoice.pdf", EXE)])
    response = client_for(staff).post(REPORT, data)
    assert response.status_code == 400
    errors = response.context["form"].errors["attachments"]
    assert any("“invoice.pdf” is not a file type we accept." in error for error in errors)
    assert not Incident.objects.exists()
    assert not IncidentAttachment.objects.exists()
    assert stored_files(attachments_dir) == []


def test_a_too_large_file_is_refused_with_the_limit(client_for, staff, settings, attachments_dir):
    settings.INCIDENT_ATTACHMENT_MAX_BYTES = 1024 * 1024
    data = filled(attachments=[upload("big.png", PNG + b"\x00" * (1024 * 1024))])
    response = client_for(staff).post(REPORT, data)
    assert response.status_code == 400
    assert "files may be at most 1 MB" in response.content.decode()
    assert not Incident.objects.exists()
    assert stored_files(attachments_dir) == []


def test_at_most_five_files(client_for, staff):
    files = [upload(f"shot{n}.png", PNG) for n in range(6)]
    response = client_for(staff).post(REPORT, filled(attachments=files))
    assert response.status_code == 400
    assert response.context["form"].errors["attachments"] == ["Attach at most 5 files."]
