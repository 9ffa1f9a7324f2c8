"""The escalation section of the incident page: the round's levels, level reached, next due time, what
fired."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from incidents.choices import Status
from incidents.services.escalation import escalate_due, on_severity_set
from incidents.views.escalation import detail_section
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def section(rf, user, incident):
    request = rf.get("/")
    request.user = user
    return detail_section(request, incident)


def render(context):
    return render_to_string("incidents/detail/_escalation.html", context)


@pytest.fixture
def incident(staff, security_officer, admin_user):
    incident = IncidentFactory(
        reported_by=staff, reported_at=T0, noticed_at=T0, status=Status.TRIAGED, severity=1
    )
    on_severity_set(incident=incident, now=T0)
    return incident


def test_a_security_officer_sees_policy_level_next_time_and_fires(rf, security_officer, incident):
    escalate_due(now=T0 + timedelta(minutes=20))
    incident.refresh_from_db()
    context = section(rf, security_officer, incident)
    assert context["show"] is True
    with timezone.override("Europe/Berlin"):
        html = render(context)
    assert "After 15 minutes not acknowledged: the admins; then every 15 minutes, 3 more times" in html
    assert '<dd data-testid="escalation-level">Level 2</dd>' in html
    assert '<time datetime="2026-03-02T10:30:00+01:00">2 Mar 2026, 10:30 CET</time>' in html  # 09:30 UTC
    assert html.count("<tr>") == 3  # the header and two fires
    assert "Adam Admin" in html
    assert "Olga Officer" in html


def test_a_late_fire_says_when_it_was_due(rf, security_officer, incident):
    escalate_due(now=T0 + timedelta(minutes=120))
    with timezone.override("UTC"):
        html = render(section(rf, security_officer, incident))
    assert 'due <time datetime="2026-03-02T10:00:00+00:00">' in html  # repeat 3, the one sent
    assert html.count("Not sent: due during downtime, a later repeat was sent") == 3


def test_none_pending_once_nothing_can_fire(rf, security_officer, incident):
    incident.status = Status.RESOLVED
    incident.save(update_fields=["status"])
    from incidents.services.escalation import on_status_changed

    on_status_changed(incident=incident, now=T0 + timedelta(minutes=5))
    html = render(section(rf, security_officer, incident))
    assert '<dd data-testid="escalation-next">None pending</dd>' in html


def test_the_plain_reporter_sees_nothing(rf, staff, incident):
    context = section(rf, staff, incident)
    assert context["show"] is False
    assert render(context).strip() == ""


def test_the_auditor_sees_the_section(rf, auditor, incident):
    assert section(rf, auditor, incident)["show"] is True


def test_an_untriaged_incident_says_no_escalation_yet(rf, security_officer):
    incident = IncidentFactory()
    html = render(section(rf, security_officer, incident))
    assert "No escalation until a severity is set." in html


@pytest.mark.parametrize("rounds", [1, 6])
def test_the_section_runs_one_query_whatever_was_fired(
    rf, security_officer, incident, rounds, django_assert_num_queries
):
    for number in range(1, rounds):
        on_severity_set(incident=incident, now=T0 + timedelta(minutes=number))
    escalate_due(now=T0 + timedelta(minutes=120))
    incident.refresh_from_db()
    request = rf.get("/")
    request.user = security_officer
    # The fired escalations; the levels are the round's plan, stored on the incident. Nothing per fire.
    with django_assert_num_queries(1):
        context = detail_section(request, incident)
        render(context)
