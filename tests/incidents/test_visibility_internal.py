"""An incident's internal side (breach details, clocks, internal lines) reaches only those who handle or
oversee it: reporting an incident, even as a security officer, does not open its confidential details."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import Severity, Status
from incidents.models import FollowUpAction
from incidents.services.comments import incident_comment
from incidents.services.followups import remind_overdue_actions
from incidents.services.workflow import incident_transition
from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory
from tests.incidents.breach_support import make_breach
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_officer():
    return UserFactory(email="sven.second@example.com", full_name="Sven Second", roles=["security officer"])


def test_an_officer_who_only_reported_a_confidential_breach_does_not_see_it_in_the_register(
    client_for, security_officer, second_officer
):
    incident = make_breach(
        security_officer,
        aware=timezone.now() - datetime.timedelta(hours=2),
        reported_by=second_officer,
        handler=security_officer,
        confidential=True,
        breach_nature="SECRET-NATURE",
    )
    client = client_for(second_officer)
    csv = b"".join(client.get(reverse("incidents:breach_register")).streaming_content).decode()
    assert incident.reference not in csv
    assert "SECRET-NATURE" not in csv
    assert incident.reference not in client.get(reverse("incidents:breach_register_page")).content.decode()
    dashboard = dashboard_html(client)
    clocks = re.search(r'<section[^>]*data-testid="running-clocks-panel".*?</section>', dashboard, re.S)
    assert clocks is None or incident.reference not in clocks.group(0)
    # The handler still has it everywhere.
    handler = client_for(security_officer)
    assert (
        "SECRET-NATURE"
        in b"".join(handler.get(reverse("incidents:breach_register")).streaming_content).decode()
    )


def test_a_reporter_sees_neither_the_breach_tag_nor_the_deadline_of_their_incident(
    client_for, staff, security_officer
):
    incident = make_breach(
        security_officer,
        aware=timezone.now() - datetime.timedelta(hours=2),
        reported_by=staff,
        handler=security_officer,
        severity=Severity.SEV1,  # a personal-data breach is SEV1
    )
    client = client_for(staff)
    queue = client.get(reverse("incidents:queue")).content.decode()
    assert incident.reference in queue
    assert "Personal-data breach" not in queue
    assert "data-countdown" not in queue
    # The clock filter does not tell a reporter which of theirs is a breach: it is not theirs to use.
    other = IncidentFactory(reported_by=staff, title="Not a breach")
    running = client.get(reverse("incidents:queue"), {"clock": "running"}).content.decode()
    assert (incident.reference in running, other.reference in running) == (True, True)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Personal-data breach" not in page
    officer_queue = client_for(security_officer).get(reverse("incidents:queue")).content.decode()
    assert "Personal-data breach" in officer_queue


def test_what_someone_it_is_shared_with_adds_stays_internal(staff, security_officer, manager):
    from incidents.services.sharing import incident_share

    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer, confidential=True)
    incident_share(actor=security_officer, incident=incident, user=manager)
    event = incident_comment(
        actor=manager, incident=incident, text="As the internal note says ...", internal=False
    )
    assert event.internal is True
    reporter_note = incident_comment(actor=staff, incident=incident, text="One more detail", internal=False)
    assert reporter_note.internal is False


def test_only_a_security_officer_reopens_a_dismissed_incident(staff, security_officer, manager):
    from django.core.exceptions import PermissionDenied

    incident = incident_at(Status.DISMISSED, reporter=staff, handler=None)
    incident.handler = manager  # a handler who is not a security officer
    incident.save(update_fields=["handler"])
    with pytest.raises(PermissionDenied):
        incident_transition(actor=manager, incident=incident, to=Status.REPORTED, reason="Not a test email")
    incident_transition(actor=security_officer, incident=incident, to=Status.REPORTED, reason="It was real")
    incident.refresh_from_db()
    assert incident.status == Status.REPORTED


def test_follow_up_reminders_go_only_to_owners_who_still_see_the_incident(staff, security_officer, manager):
    from dpms.models import Notification

    incident = incident_at(Status.RESOLVED, reporter=staff, handler=security_officer)
    overdue = timezone.localdate() - datetime.timedelta(days=3)
    FollowUpAction.objects.create(
        incident=incident, title="Rotate the shared secret", owner=manager, due_on=overdue
    )
    FollowUpAction.objects.create(
        incident=incident, title="Block the sender domain", owner=security_officer, due_on=overdue
    )
    remind_overdue_actions(now=timezone.now())
    assert not Notification.objects.filter(recipient=manager).exists()
    assert "Block the sender domain" in Notification.objects.get(recipient=security_officer).body
