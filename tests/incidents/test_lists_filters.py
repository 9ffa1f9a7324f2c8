"""The queue's filters: status (open by default), severity, handler, clock state and the text search."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import AuthorityDecision, Status
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.incidents.lists_support import QUEUE, breach, listed

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(client_for, security_officer):
    return client_for(security_officer)


def test_open_incidents_by_default_all_or_one_status_on_request(officer):
    IncidentFactory(reference="INC-2026-0001", status=Status.REPORTED)
    IncidentFactory(reference="INC-2026-0002", status=Status.CONTAINED, severity=2)
    IncidentFactory(reference="INC-2026-0003", status=Status.CLOSED, severity=3)
    IncidentFactory(reference="INC-2026-0004", status=Status.DISMISSED)
    assert set(listed(officer)) == {"INC-2026-0001", "INC-2026-0002"}
    assert set(listed(officer, status="open")) == {"INC-2026-0001", "INC-2026-0002"}
    assert len(listed(officer, status="all")) == 4
    assert listed(officer, status="closed") == ["INC-2026-0003"]
    assert listed(officer, status="dismissed") == ["INC-2026-0004"]
    assert listed(officer, status="contained") == ["INC-2026-0002"]


def test_severity_filter_takes_a_level_or_untriaged(officer):
    IncidentFactory(reference="INC-2026-0001")
    IncidentFactory(reference="INC-2026-0002", severity=1, status=Status.TRIAGED)
    IncidentFactory(reference="INC-2026-0003", severity=4, status=Status.TRIAGED)
    assert listed(officer, severity="1") == ["INC-2026-0002"]
    assert listed(officer, severity="4") == ["INC-2026-0003"]
    assert listed(officer, severity="untriaged") == ["INC-2026-0001"]


def test_handler_filter_takes_a_person_me_or_nobody(officer, security_officer):
    colleague = UserFactory(full_name="Hank Handler", roles=["security officer"])
    IncidentFactory(reference="INC-2026-0001", handler=security_officer, status=Status.TRIAGED)
    IncidentFactory(reference="INC-2026-0002", handler=colleague, status=Status.TRIAGED)
    IncidentFactory(reference="INC-2026-0003")
    assert listed(officer, handler="me") == ["INC-2026-0001"]
    assert listed(officer, handler="none") == ["INC-2026-0003"]
    assert listed(officer, handler=str(colleague.pk)) == ["INC-2026-0002"]
    page = officer.get(QUEUE).content.decode()
    assert "Hank Handler" in page  # shown in the row


def test_handler_filter_takes_a_typed_name_or_email_and_shows_what_was_chosen(officer, security_officer):
    colleague = UserFactory(full_name="Hank Handler", email="hank@example.com", roles=["security officer"])
    IncidentFactory(reference="INC-2026-0001", handler=colleague, status=Status.TRIAGED)
    IncidentFactory(reference="INC-2026-0002", handler=security_officer, status=Status.TRIAGED)
    assert listed(officer, handler="hank handler") == ["INC-2026-0001"]
    assert listed(officer, handler="HANK@example.com") == ["INC-2026-0001"]
    assert listed(officer, handler=" Me ") == ["INC-2026-0002"]
    assert 'value="hank@example.com"' in officer.get(QUEUE, {"handler": colleague.pk}).content.decode()
    assert 'value="me"' in officer.get(QUEUE, {"handler": "me"}).content.decode()


def test_clock_states_running_overdue_met_missed(officer):
    breach("INC-2026-0001", aware_hours_ago=10)  # running, 62 h left
    breach("INC-2026-0002", aware_hours_ago=80)  # running past the deadline
    breach("INC-2026-0003", aware_hours_ago=100, decision=AuthorityDecision.NOTIFIED, decided_after_hours=50)
    breach("INC-2026-0004", aware_hours_ago=100, decision=AuthorityDecision.NOTIFIED, decided_after_hours=80)
    breach(
        "INC-2026-0005", aware_hours_ago=30, decision=AuthorityDecision.NOT_REQUIRED, decided_after_hours=5
    )
    IncidentFactory(reference="INC-2026-0006", severity=2, status=Status.TRIAGED)  # no breach
    assert set(listed(officer, clock="running")) == {"INC-2026-0001", "INC-2026-0002"}
    assert listed(officer, clock="overdue") == ["INC-2026-0002"]
    assert set(listed(officer, clock="met")) == {"INC-2026-0003", "INC-2026-0005"}
    assert set(listed(officer, clock="missed")) == {"INC-2026-0002", "INC-2026-0004"}


def test_a_late_notification_counts_at_the_time_the_authority_was_notified(officer):
    incident = breach(
        "INC-2026-0001", aware_hours_ago=100, decision=AuthorityDecision.NOTIFIED, decided_after_hours=90
    )
    # Recorded late, but the authority had been told within the 72 hours.
    incident.authority_notified_at = incident.aware_at + timedelta(hours=70)
    incident.save()
    assert listed(officer, clock="met") == ["INC-2026-0001"]
    assert listed(officer, clock="missed") == []


def test_unacknowledged_means_triaged_open_and_not_yet_acknowledged(officer):
    IncidentFactory(reference="INC-2026-0001", severity=2, status=Status.TRIAGED)
    IncidentFactory(
        reference="INC-2026-0002", severity=2, status=Status.TRIAGED, acknowledged_at=timezone.now()
    )
    IncidentFactory(reference="INC-2026-0003")  # untriaged: triage first
    IncidentFactory(reference="INC-2026-0004", severity=3, status=Status.CLOSED)
    assert listed(officer, clock="unacknowledged") == ["INC-2026-0001"]
    assert listed(officer, clock="unacknowledged", status="all") == ["INC-2026-0001"]


def test_search_matches_reference_or_title(officer):
    IncidentFactory(reference="INC-2026-0001", title="Lost laptop on the train")
    IncidentFactory(reference="INC-2026-0002", title="Phishing wave")
    assert listed(officer, q="laptop") == ["INC-2026-0001"]
    assert listed(officer, q="2026-0002") == ["INC-2026-0002"]
    assert listed(officer, q="nothing like it") == []


@pytest.mark.parametrize(
    "params",
    [
        {"status": "bogus"},
        {"severity": "9"},
        {"severity": "1; drop table"},
        {"handler": "abc"},
        {"handler": "999999"},
        {"clock": "late"},
        {"sort": "title; --"},
        {"q": "x" * 500},
        {"page": "zebra"},
    ],
)
def test_bad_filter_values_show_form_errors_and_an_empty_list_never_a_crash(officer, params):
    IncidentFactory(reference="INC-2026-0001")
    response = officer.get(QUEUE, params)
    assert response.status_code == 200
    if "page" not in params:
        assert response.context["form"].errors
        assert response.context["page"].object_list == [] or not list(response.context["page"].object_list)
        assert "Correct the filters" in response.content.decode()


def test_someone_following_only_their_reports_is_not_offered_handler_or_clock_filters(client_for, staff):
    page = client_for(staff).get(reverse("incidents:queue")).content.decode()
    assert 'name="clock"' not in page
    assert 'name="handler"' not in page


def test_a_security_officer_has_every_filter(client_for, security_officer):
    page = client_for(security_officer).get(reverse("incidents:queue")).content.decode()
    assert 'name="clock"' in page
    assert 'name="handler"' in page
