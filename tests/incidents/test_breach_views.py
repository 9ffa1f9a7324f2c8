"""The breach actions on the incident page: responders only (auditor and reporter 403, others 404), a form
error shows the page again with the message (400), nothing half-saved."""

import pytest
from django.test import override_settings
from django.urls import reverse

from incidents.models import Incident
from tests.incidents.breach_support import make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def detail(incident):
    return reverse("incidents:detail", args=[incident.pk])


@pytest.fixture
def incident(staff):
    return IncidentFactory(reported_by=staff)


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 403), ("staff", 403), ("outsider", 404), ("manager", 404)]
)
def test_only_responders_mark_a_breach(client_for, personas, incident, persona, status):
    response = client_for(personas[persona]).post(reverse("incidents:breach_mark", args=[incident.pk]))
    assert response.status_code == status
    assert not Incident.objects.get(pk=incident.pk).is_breach


def test_anonymous_visitor_is_sent_to_sign_in(client, incident):
    response = client.post(reverse("incidents:breach_mark", args=[incident.pk]))
    assert response.status_code == 302
    assert "/accounts/login/" in response.url


def test_get_is_not_allowed(client_for, security_officer, incident):
    response = client_for(security_officer).get(reverse("incidents:breach_mark", args=[incident.pk]))
    assert response.status_code == 405


def test_officer_marks_a_breach_and_sees_the_countdown(client_for, security_officer, incident):
    client = client_for(security_officer)
    response = client.post(reverse("incidents:breach_mark", args=[incident.pk]), follow=True)
    assert response.redirect_chain == [(detail(incident), 302)]
    page = response.content.decode()
    assert "Marked as a personal-data breach: the 72-hour clock runs." in page
    assert "<time data-countdown" in page
    assert "71 h 59 min left" in page or "72 h 0 min left" in page


def test_mark_with_another_awareness_but_no_reason_is_a_400_with_the_message(
    client_for, security_officer, incident
):
    response = client_for(security_officer).post(
        reverse("incidents:breach_mark", args=[incident.pk]), {"breach-mark-aware_at": "2026-01-05T09:00"}
    )
    assert response.status_code == 400
    assert "Say why awareness differs from the time it was noticed." in response.content.decode()
    assert not Incident.objects.get(pk=incident.pk).is_breach


def test_late_notification_without_reasons_is_a_400_with_the_message(client_for, security_officer):
    breach = make_breach(security_officer)  # aware 23 Oct 2026: long past its deadline
    response = client_for(security_officer).post(
        reverse("incidents:breach_authority_notified", args=[breach.pk]),
        {"breach-notified-notified_at": "2026-10-27T09:00", "breach-notified-reference": "LDA-1"},
    )
    assert response.status_code == 400
    assert "give the reasons for the delay (Art. 33(1) GDPR)" in response.content.decode()
    assert Incident.objects.get(pk=breach.pk).authority_clock_running


def test_late_notification_with_reasons_is_recorded(client_for, security_officer):
    breach = make_breach(security_officer)
    response = client_for(security_officer).post(
        reverse("incidents:breach_authority_notified", args=[breach.pk]),
        {
            "breach-notified-notified_at": "2026-10-27T09:00",
            "breach-notified-reference": "LDA-1",
            "breach-notified-delay_reason": "Waiting for the processor's report.",
        },
    )
    assert response.status_code == 302
    breach.refresh_from_db()
    assert breach.authority_decision == "notified"
    assert breach.authority_reference == "LDA-1"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("breach_authority_not_required", {"breach-not-required-reason": ""}),
        ("breach_awareness", {"breach-awareness-aware_at": "", "breach-awareness-reason": "x"}),
        ("breach_subjects", {"breach-subjects-decision": "exempt_effort"}),
        ("breach_subjects", {"breach-subjects-decision": "nonsense"}),
    ],
)
def test_form_errors_give_400_and_change_nothing(client_for, security_officer, name, data):
    breach = make_breach(security_officer)
    response = client_for(security_officer).post(reverse(f"incidents:{name}", args=[breach.pk]), data)
    assert response.status_code == 400
    after = Incident.objects.get(pk=breach.pk)
    assert (after.authority_decision, after.subjects_decision, after.aware_at) == ("", "", breach.aware_at)


@pytest.mark.parametrize(("persona", "status"), [("auditor", 403), ("staff", 403), ("outsider", 404)])
def test_decisions_are_for_responders_only(client_for, personas, security_officer, persona, status):
    breach = make_breach(security_officer, reported_by=personas["staff"])
    response = client_for(personas[persona]).post(
        reverse("incidents:breach_authority_not_required", args=[breach.pk]),
        {"breach-not-required-reason": "Encrypted."},
    )
    assert response.status_code == status
    assert Incident.objects.get(pk=breach.pk).authority_clock_running


def test_the_reporter_does_not_see_the_breach_section(client_for, staff, security_officer):
    breach = make_breach(security_officer, reported_by=staff)
    page = client_for(staff).get(detail(breach)).content.decode()
    assert 'data-testid="incident-breach"' not in page


def test_the_auditor_sees_the_clock_but_no_forms(client_for, auditor, security_officer):
    breach = make_breach(security_officer)
    page = client_for(auditor).get(detail(breach)).content.decode()
    assert 'data-testid="breach-deadline"' in page
    assert 'data-testid="authority-notified-form"' not in page


def test_facts_and_subjects_are_recorded_through_the_page(client_for, security_officer):
    breach = make_breach(security_officer)
    client = client_for(security_officer)
    client.post(
        reverse("incidents:breach_facts", args=[breach.pk]),
        {
            "breach-facts-nature": "=HYPERLINK(1)",
            "breach-facts-effects": "",
            "breach-facts-remedial_action": "",
        },
    )
    client.post(
        reverse("incidents:breach_subjects", args=[breach.pk]),
        {"breach-subjects-decision": "required", "breach-subjects-notified_at": "2026-10-24T10:00"},
    )
    breach.refresh_from_db()
    assert breach.breach_nature == "=HYPERLINK(1)"
    assert breach.subjects_decision == "required"
    assert breach.subjects_notified_at is not None


@override_settings(NIS2_ENABLED=False)
def test_nis2_actions_do_not_exist_when_disabled(client_for, security_officer, incident):
    client = client_for(security_officer)
    assert client.post(reverse("incidents:breach_nis2_significant", args=[incident.pk])).status_code == 404
    assert 'data-testid="nis2-mark-form"' not in client.get(detail(incident)).content.decode()


@override_settings(NIS2_ENABLED=True)
def test_nis2_is_run_from_the_incident_page_when_enabled(client_for, security_officer, incident):
    client = client_for(security_officer)
    assert 'data-testid="nis2-mark-form"' in client.get(detail(incident)).content.decode()
    assert client.post(reverse("incidents:breach_nis2_significant", args=[incident.pk])).status_code == 302
    page = client.get(detail(incident)).content.decode()
    assert 'data-testid="nis2-reports"' in page
    future = client.post(
        reverse("incidents:breach_nis2_record", args=[incident.pk]),
        {"nis2-record-report": "early_warning", "nis2-record-at": "2099-01-01T10:00"},
    )
    assert future.status_code == 400
    assert "This time is in the future." in future.content.decode()
    incident.refresh_from_db()
    assert incident.nis2_significant
    assert incident.nis2_early_warning_at is None


def test_marking_an_incident_marked_already_says_so_on_the_page(client_for, security_officer):
    """A second tab or a double submit: the mark form is gone from the page, so the refusal is a message."""
    incident = make_breach(security_officer)
    client = client_for(security_officer)
    response = client.post(reverse("incidents:breach_mark", args=[incident.pk]), {}, follow=True)
    assert response.status_code == 200
    assert "already marked as a personal-data breach" in response.content.decode()


def test_notifying_after_not_required_replaces_the_earlier_reason(security_officer):
    from incidents.services.breach import authority_record_not_required, authority_record_notified
    from tests.incidents.breach_support import after

    incident = make_breach(security_officer)
    authority_record_not_required(actor=security_officer, incident=incident, reason="Encrypted", now=after(2))
    incident = authority_record_notified(
        actor=security_officer, incident=incident, notified_at=after(3), reference="LDA-7", now=after(4)
    )
    incident.refresh_from_db()
    assert (incident.authority_decision, incident.authority_not_required_reason) == ("notified", "")
