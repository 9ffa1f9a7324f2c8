"""Pages of risk acceptances: ask, approve, reject, revoke, the list awaiting my approval; permissions."""

import datetime

import pytest
from django.urls import reverse

from risk.choices import AcceptanceStatus, RiskStatus
from risk.models import Risk, RiskAcceptance
from risk.services.actions import site_today
from risk.views.acceptances import acceptances_awaiting_panel
from tests.factories import UserFactory
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory, active_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(staff):
    return RiskFactory(owner=staff)


@pytest.fixture
def acceptance(risk):
    return RiskAcceptanceFactory(risk=risk)


def url(name, *args):
    return reverse(f"risk:{name}", args=args)


def test_anonymous_visitors_are_sent_to_sign_in(client, acceptance):
    for target in (
        url("acceptances"),
        url("acceptance_new", acceptance.risk_id),
        url("acceptance_detail", acceptance.risk_id, acceptance.pk),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert "/login" in response.url


def test_request_page_ladder(client_for, risk, outsider, security_officer, staff):
    target = url("acceptance_new", risk.pk)
    assert client_for(outsider).get(target).status_code == 404
    assert client_for(security_officer).get(target).status_code == 403  # only the owner asks
    assert client_for(staff).get(target).status_code == 200


def test_the_owner_asks_and_a_bad_expiry_is_a_form_error(client_for, risk, staff):
    client = client_for(staff)
    too_far = site_today() + datetime.timedelta(days=400)
    response = client.post(url("acceptance_new", risk.pk), {"rationale": "Cheap.", "expires_on": too_far})
    assert response.status_code == 400
    assert "at most a year" in response.content.decode()
    assert not RiskAcceptance.objects.exists()
    fine = site_today() + datetime.timedelta(days=90)
    response = client.post(url("acceptance_new", risk.pk), {"rationale": "Cheap.", "expires_on": fine})
    assert response.status_code == 302
    assert RiskAcceptance.objects.get().status == AcceptanceStatus.REQUESTED


def test_detail_ladder(client_for, acceptance, outsider, auditor, staff, security_officer, admin_user):
    target = url("acceptance_detail", acceptance.risk_id, acceptance.pk)
    assert client_for(outsider).get(target).status_code == 404
    assert client_for(admin_user).get(target).status_code == 404  # within appetite: not the admin's business
    for person in (auditor, staff, security_officer):
        assert client_for(person).get(target).status_code == 200


def test_admin_sees_an_above_appetite_acceptance(client_for, staff, admin_user):
    high = RiskAcceptanceFactory(risk=RiskFactory(owner=staff), above_appetite=True)
    response = client_for(admin_user).get(url("acceptance_detail", high.risk_id, high.pk))
    assert response.status_code == 200
    assert "Approve as admin" in response.content.decode()


def test_the_owner_gets_403_on_approve_and_sees_no_button(client_for, acceptance, staff):
    client = client_for(staff)
    assert (
        "Approve"
        not in client.get(url("acceptance_detail", acceptance.risk_id, acceptance.pk)).content.decode()
    )
    assert client.post(url("acceptance_approve", acceptance.risk_id, acceptance.pk)).status_code == 403
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REQUESTED


def test_officer_approves_then_revokes_with_a_reason(client_for, acceptance, security_officer):
    client = client_for(security_officer)
    assert client.get(url("acceptance_approve", acceptance.risk_id, acceptance.pk)).status_code == 405
    assert client.post(url("acceptance_approve", acceptance.risk_id, acceptance.pk)).status_code == 302
    assert Risk.objects.get(pk=acceptance.risk_id).status == RiskStatus.ACCEPTED
    again = client.post(url("acceptance_approve", acceptance.risk_id, acceptance.pk))
    assert again.status_code == 400  # already approved: said on the page, nothing changes
    revoke = url("acceptance_revoke", acceptance.risk_id, acceptance.pk)
    assert client.post(revoke, {"reason": ""}).status_code == 400
    assert client.post(revoke, {"reason": "Threat grew."}).status_code == 302
    assert Risk.objects.get(pk=acceptance.risk_id).status == RiskStatus.OPEN


def test_reject_needs_a_reason(client_for, acceptance, security_officer, auditor):
    target = url("acceptance_reject", acceptance.risk_id, acceptance.pk)
    assert client_for(auditor).post(target, {"reason": "No."}).status_code == 403
    client = client_for(security_officer)
    assert client.post(target, {"reason": ""}).status_code == 400
    assert client.post(target, {"reason": "Mitigate first."}).status_code == 302
    acceptance.refresh_from_db()
    assert acceptance.status == AcceptanceStatus.REJECTED


def test_list_ladder(client_for, staff, outsider, security_officer, admin_user, auditor):
    assert client_for(staff).get(url("acceptances")).status_code == 403
    assert client_for(outsider).get(url("acceptances")).status_code == 403
    for person in (security_officer, admin_user, auditor):
        assert client_for(person).get(url("acceptances")).status_code == 200


def test_awaiting_list_shows_what_each_approver_still_has_to_give(
    client_for, staff, security_officer, admin_user
):
    low = RiskAcceptanceFactory(risk=RiskFactory(owner=staff, title="Low one"))
    high = RiskAcceptanceFactory(risk=RiskFactory(owner=staff, title="High one"), above_appetite=True)
    officer_rows = client_for(security_officer).get(url("acceptances")).context["page"].object_list
    assert {a.pk for a in officer_rows} == {low.pk, high.pk}
    admin_rows = client_for(admin_user).get(url("acceptances")).context["page"].object_list
    assert [a.pk for a in admin_rows] == [high.pk]
    mine = RiskAcceptanceFactory(risk=RiskFactory(owner=security_officer))
    officer_rows = client_for(security_officer).get(url("acceptances")).context["page"].object_list
    assert mine.pk not in {a.pk for a in officer_rows}  # never their own risk


def test_risk_page_sections_show_actions_and_acceptances(client_for, acceptance, staff):
    response = client_for(staff).get(url("risk", acceptance.risk_id))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="risk-acceptances"' in body
    assert 'data-testid="risk-actions"' in body


# 14: session and user (2); allauth's user-session tracking (5); the officer's groups (1); the count and the
# page of acceptances with risk and people joined (2); the header's unread count (1); saving the session (3).
ACCEPTANCE_LIST_QUERIES = 14


@pytest.mark.parametrize("count", [10, 200])
def test_acceptance_list_query_count_does_not_grow(
    client_for, security_officer, count, django_assert_num_queries
):
    owner = UserFactory()
    risks = Risk.objects.bulk_create(
        RiskFactory.build(owner=owner, matrix=active_matrix(), reference=f"R-Q{n:04d}") for n in range(count)
    )
    RiskAcceptance.objects.bulk_create(
        RiskAcceptance(
            risk=r, requested_by=owner, rationale="x", expires_on=site_today() + datetime.timedelta(days=9)
        )
        for r in risks
    )
    client = client_for(security_officer)
    client.get(url("acceptances"))  # a session's first request also records it
    with django_assert_num_queries(ACCEPTANCE_LIST_QUERIES):
        response = client.get(url("acceptances"), {"scope": "all"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)


@pytest.mark.parametrize("count", [2, 40])
def test_the_dashboard_panel_lists_the_first_five_waiting_in_one_query(
    rf, staff, security_officer, count, django_assert_num_queries
):
    for n in range(count):
        RiskAcceptanceFactory(
            risk=RiskFactory(owner=staff, reference=f"R-P{n:03d}"),
            expires_on=site_today() + datetime.timedelta(days=30 + n),
        )
    request = rf.get(reverse("dashboard"))
    request.user = security_officer
    security_officer.is_security_officer  # noqa: B018 - the roles are loaded by the dashboard already
    with django_assert_num_queries(1):  # the first six waiting, with their risk's reference
        panel = acceptances_awaiting_panel(request)
    first = RiskAcceptance.objects.order_by("requested_at", "pk").first()
    assert len(panel["lines"]) == min(count, 5)
    assert panel["lines"][0] == {
        # "2 Dec 2026", the pages' date format
        "text": f"{first.risk.reference}: until {first.expires_on.day} {first.expires_on:%b %Y}",
        "link": url("acceptance_detail", first.risk_id, first.pk),
    }
