"""Risk acceptances through the API: the owner asks, approvers approve (an admin too above appetite), reject
and revoke, with the service's rules; every persona gets what the pages give them; the list's query count."""

import datetime

import pytest
from django.urls import reverse

from dpms.models import AuditEvent, AuditSource
from risk.choices import AcceptanceStatus, RiskStatus
from risk.models import Risk, RiskAcceptance
from risk.services.actions import site_today
from tests.dpms.api_support import api_client, token_for
from tests.risk.factories import RiskAcceptanceFactory, RiskFactory

pytestmark = pytest.mark.django_db

ACCEPTANCES = reverse("api:risk-acceptance-list")


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


def act(name, acceptance):
    return reverse(f"api:risk-acceptance-{name}", args=[acceptance.pk])


def ask(risk, **changes):
    return {
        "risk": risk.pk,
        "rationale": "Cheap.",
        "expires_on": site_today() + datetime.timedelta(days=90),
        **changes,
    }


@pytest.fixture
def risk(staff):
    return RiskFactory(owner=staff)  # current (2, 2): Moderate, the appetite


@pytest.fixture
def high_risk(staff):
    return RiskFactory(owner=staff, current_likelihood=4, current_impact=4)


def test_the_owner_asks_audited_as_api(risk, staff):
    token, text = token_for(staff, read_only=False, name="grc")
    response = api_client(text).post(ACCEPTANCES, ask(risk), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["approvals_needed"], body["your_approval"]) == (
        "requested",
        ["officer"],
        None,
    )
    event = AuditEvent.objects.get(action="risk.acceptance.request")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} grc")


def test_only_the_owner_asks(risk, security_officer, outsider):
    assert writer(security_officer).post(ACCEPTANCES, ask(risk), format="json").status_code == 403
    assert writer(outsider).post(ACCEPTANCES, ask(risk), format="json").status_code == 404
    assert not RiskAcceptance.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"expires_on": "2020-01-01"}, "expires_on"),  # the service: in the future
        ({"expires_on": (site_today() + datetime.timedelta(days=400)).isoformat()}, "expires_on"),
        ({"rationale": " "}, "rationale"),
        ({"expires_on": "soon"}, "expires_on"),
        ({"risk": 99999999999999999999999}, "risk"),
    ],
)
def test_bad_requests_are_400s_and_ask_nothing(risk, staff, changes, field):
    response = writer(staff).post(ACCEPTANCES, {**ask(risk), **changes}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not RiskAcceptance.objects.exists()


def test_one_live_acceptance_per_risk(risk, staff):
    client = writer(staff)
    assert client.post(ACCEPTANCES, ask(risk), format="json").status_code == 201
    response = client.post(ACCEPTANCES, ask(risk), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["non_field_errors"] == [
        "This risk already has an acceptance requested or in force."
    ]


def test_above_appetite_an_officer_and_an_admin_approve(high_risk, staff, security_officer, admin_user):
    acceptance = RiskAcceptanceFactory(risk=high_risk, above_appetite=True)
    first = writer(security_officer).post(act("approve", acceptance))
    assert first.status_code == 200, first.content
    assert first.json()["status"] == "requested"
    assert writer(security_officer).post(act("approve", acceptance)).status_code == 403  # one approval each
    second = writer(admin_user).post(act("approve", acceptance))
    assert second.json()["status"] == "approved"
    assert Risk.objects.get(pk=high_risk.pk).status == RiskStatus.ACCEPTED


def test_reject_needs_a_reason_and_revoke_reopens(risk, security_officer, admin_user, auditor):
    acceptance = RiskAcceptanceFactory(risk=risk)
    response = writer(security_officer).post(act("reject", acceptance), {"reason": ""}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    writer(security_officer).post(act("approve", acceptance))
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.ACCEPTED
    # an admin sees only the acceptances above appetite (404); an auditor sees it but changes nothing (403)
    no = {"reason": "No."}
    assert writer(admin_user).post(act("revoke", acceptance), no, format="json").status_code == 404
    assert writer(auditor).post(act("revoke", acceptance), no, format="json").status_code == 403
    response = writer(security_officer).post(
        act("revoke", acceptance), {"reason": "Audit finding."}, format="json"
    )
    assert response.json()["status"] == "revoked"
    assert Risk.objects.get(pk=risk.pk).status == RiskStatus.OPEN


def test_a_stale_if_match_refuses_the_approval(risk, security_officer, staff):
    acceptance = RiskAcceptanceFactory(risk=risk)
    client = writer(security_officer)
    etag = client.get(reverse("api:risk-acceptance-detail", args=[acceptance.pk]))["ETag"]
    RiskAcceptance.objects.filter(pk=acceptance.pk).update(rationale="Changed meanwhile.")
    assert client.post(act("approve", acceptance), HTTP_IF_MATCH=etag).status_code == 412
    assert RiskAcceptance.objects.get(pk=acceptance.pk).status == AcceptanceStatus.REQUESTED


# --- Who may do what: as the pages --------------------------------------------------------------------------
PAGE_TO_API = {200: 200, 302: 200, 400: 400, 403: 403, 404: 404}


def _fresh(owner, status):
    risk = RiskFactory(owner=owner, status=RiskStatus.ACCEPTED if status == "approved" else RiskStatus.OPEN)
    return RiskAcceptanceFactory(risk=risk, status=status)


@pytest.mark.parametrize(
    ("name", "status", "data"),
    [
        ("approve", "requested", {}),
        ("reject", "requested", {"reason": "Too costly."}),
        ("revoke", "approved", {"reason": "Audit finding."}),
    ],
)
def test_every_persona_acts_where_the_pages_let_them(personas, staff, client_for, name, status, data):
    """Each persona acts on one acceptance through the page and on a twin through the API: the same answer
    (the page's redirect is the API's 200), never a 2xx where the page refuses. Also the detail."""
    for persona, person in personas.items():
        on_page, on_api = _fresh(staff, status), _fresh(staff, status)
        page = client_for(person)
        shown = page.get(reverse("risk:acceptance_detail", args=[on_page.risk_id, on_page.pk])).status_code
        api = writer(person)
        assert api.get(reverse("api:risk-acceptance-detail", args=[on_api.pk])).status_code == shown, persona
        answered = page.post(reverse(f"risk:acceptance_{name}", args=[on_page.risk_id, on_page.pk]), data)
        response = api.post(act(name, on_api), data, format="json")
        assert response.status_code == PAGE_TO_API[answered.status_code], (persona, response.content)
        assert (
            RiskAcceptance.objects.get(pk=on_api.pk).status
            == RiskAcceptance.objects.get(pk=on_page.pk).status
        )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("staff", 403),
        ("manager", 403),
        ("security_officer", 200),
        ("auditor", 200),
        ("admin", 200),
        ("outsider", 403),
    ],
)
def test_the_list_is_for_approvers_and_auditors(personas, persona, status, client_for):
    assert client_for(personas[persona]).get(reverse("risk:acceptances")).status_code == status
    assert api_client(token_for(personas[persona])[1]).get(ACCEPTANCES).status_code == status


def test_the_list_is_filtered_like_the_page(staff, security_officer):
    waiting = _fresh(staff, "requested")
    approved = _fresh(staff, "approved")
    client = api_client(token_for(security_officer)[1])
    assert [row["id"] for row in client.get(ACCEPTANCES).json()["results"]] == [waiting.pk]  # awaiting me
    every = {row["id"] for row in client.get(ACCEPTANCES, {"scope": "all"}).json()["results"]}
    assert every == {waiting.pk, approved.pk}
    rows = client.get(ACCEPTANCES, {"scope": "all", "status": "approved"}).json()["results"]
    assert [row["id"] for row in rows] == [approved.pk]
    assert client.get(ACCEPTANCES, {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_list_runs_a_fixed_number_of_queries(staff, security_officer, rows, django_assert_num_queries):
    risks = Risk.objects.bulk_create(
        RiskFactory.build(reference=f"R-{n:04d}", owner=staff, matrix=RiskFactory().matrix)
        for n in range(rows)
    )
    RiskAcceptance.objects.bulk_create(
        RiskAcceptanceFactory.build(risk=risk, requested_by=staff) for risk in risks
    )
    client = api_client(token_for(security_officer)[1])
    client.get(ACCEPTANCES)
    # token with its owner (1), the caller's roles (1), a page of acceptances with their risk and every person
    # they name (1)
    for scope in ("awaiting", "all"):
        with django_assert_num_queries(3):
            assert len(client.get(ACCEPTANCES, {"scope": scope, "page_size": 200}).json()["results"]) == min(
                rows, 200
            )
