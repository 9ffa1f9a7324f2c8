"""The risk register through the API: the list filtered like the page, a risk with its ETag, creating
(security officers, once per idempotency key), editing (If-Match) and the status, audited as "api" naming
the token; who may do what is exactly what the pages decide."""

import pytest
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from dpms.models import AuditEvent, AuditSource
from risk.models import Risk, RiskMatrix
from tests.access.factories import SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory
from tests.risk.factories import RiskCategoryFactory
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

RISKS = reverse("api:risk-risk-list")


def detail(risk):
    return reverse("api:risk-risk-detail", args=[risk.pk])


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


def new_risk(**changes):
    data = {
        "title": "Laptops lost on trains",
        "inherent_likelihood": 3,
        "inherent_impact": 3,
        "current_likelihood": 2,
        "current_impact": 2,
    }
    return {**data, **changes}


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- The list -----------------------------------------------------------------------------------------------
def test_the_list_shows_what_the_register_shows_each_person(cast, staff, security_officer, auditor, outsider):
    everything = {cast.staff_risk.pk, cast.outsider_risk.pk, cast.manager_risk.pk}
    assert ids(api_client(token_for(security_officer)[1]).get(RISKS)) == everything
    assert ids(api_client(token_for(auditor)[1]).get(RISKS)) == everything
    assert ids(api_client(token_for(staff)[1]).get(RISKS)) == {cast.staff_risk.pk}
    assign_perm("risk.view_risk", staff, cast.outsider_risk)
    assert ids(api_client(token_for(staff)[1]).get(RISKS)) == {cast.staff_risk.pk, cast.outsider_risk.pk}
    assert ids(api_client(token_for(outsider)[1]).get(RISKS)) == {cast.outsider_risk.pk}


def test_the_list_is_filtered_by_the_pages_filters(cast, security_officer, staff):
    client = api_client(token_for(security_officer)[1])
    cast.manager_risk.status = "closed"
    cast.manager_risk.save()
    assert ids(client.get(RISKS, {"status": "live"})) == {cast.staff_risk.pk, cast.outsider_risk.pk}
    assert ids(client.get(RISKS, {"status": "closed"})) == {cast.manager_risk.pk}
    assert ids(client.get(RISKS, {"level": 4})) == {cast.outsider_risk.pk}  # current (4, 4): Very high
    assert ids(client.get(RISKS, {"likelihood": 1, "impact": 1})) == {cast.staff_risk.pk}
    assert ids(client.get(RISKS, {"owner": staff.email})) == {cast.staff_risk.pk}
    assert ids(client.get(RISKS, {"q": cast.outsider_risk.title})) == {cast.outsider_risk.pk}
    system = SystemFactory()
    cast.staff_risk.systems.add(system)
    assert ids(client.get(RISKS, {"system": system.pk})) == {cast.staff_risk.pk}
    Risk.objects.filter(pk=cast.outsider_risk.pk).update(
        next_review_on=timezone.localdate().replace(year=2020)
    )
    assert ids(client.get(RISKS, {"overdue": "true"})) == {cast.outsider_risk.pk}


def test_bad_filters_are_a_400_with_the_forms_errors(cast, security_officer):
    client = api_client(token_for(security_officer)[1])
    response = client.get(RISKS, {"level": 9})
    assert response.status_code == 400
    assert "level" in response.json()["errors"]
    response = client.get(RISKS, {"likelihood": 1})
    assert response.status_code == 400
    assert response.json()["errors"]["__all__"] == ["A heat-map cell needs both a likelihood and an impact."]
    assert client.get(RISKS, {"owner": "nobody@example.com"}).status_code == 400
    assert client.get(RISKS, {"system": "99999999999999999999999"}).status_code == 400


def test_a_row_carries_its_levels_scores_and_owner(cast, security_officer):
    row = api_client(token_for(security_officer)[1]).get(detail(cast.outsider_risk)).json()
    assert row["reference"] == cast.outsider_risk.reference
    assert row["current_level"]["name"] == "Very high"
    assert row["current_level"]["above_appetite"] is True
    assert row["owner_email"] == "otto.outsider@example.com"
    assert row["target_level"]["name"] == "Low"  # target (1, 1)


def make_risks(matrix, count, owner=None):
    owners = [owner] if owner else UserFactory.create_batch(5)
    Risk.objects.bulk_create(
        Risk(
            reference=f"R-{n:04d}",
            title=f"Risk {n}",
            owner=owners[n % len(owners)],
            matrix=matrix,
            inherent_likelihood=n % 5,
            inherent_impact=(n // 5) % 5,
            current_likelihood=n % 5,
            current_impact=(n // 7) % 5,
            status="open",
            next_review_on=timezone.localdate(),
        )
        for n in range(count)
    )
    system = SystemFactory()
    system.risks.add(*Risk.objects.all()[:60])


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_list_runs_a_fixed_number_of_queries(
    matrix, security_officer, staff, rows, django_assert_num_queries
):
    make_risks(matrix, rows)
    make_risks_of_staff = Risk.objects.filter(pk__in=Risk.objects.values("pk")[:5])
    make_risks_of_staff.update(owner=staff)
    officer = api_client(token_for(security_officer)[1])
    officer.get(RISKS)  # the first use notes the token's time and address (at most once a minute)
    # token with its owner (1), the active matrix (1), the caller's roles (1), a page of risks with owner,
    # category and matrix (1), their systems (1)
    with django_assert_num_queries(5):
        assert len(officer.get(RISKS, {"page_size": 200}).json()["results"]) == min(rows, 200)
    # with the page's filters: the same, the owner looked up among the owners of risks you see (1 more)
    with django_assert_num_queries(6):
        assert officer.get(RISKS, {"status": "live", "owner": staff.email, "level": 2}).status_code == 200
    own = api_client(token_for(staff)[1])
    own.get(RISKS)
    # staff: the shares are a subquery of the page's query: the same 5
    with django_assert_num_queries(5):
        assert len(own.get(RISKS).json()["results"]) == 5


def test_a_hundred_risks_out_of_five_thousand_in_at_most_six_queries(
    matrix, security_officer, django_assert_max_num_queries
):
    make_risks(matrix, 5000)
    client = api_client(token_for(security_officer)[1])
    client.get(RISKS)
    # token (1), active matrix (1), roles (1), the page of 100 (1), their systems (1): 5, within the 6 asked
    with django_assert_max_num_queries(5):
        body = client.get(RISKS, {"page_size": 100}).json()
    assert len(body["results"]) == 100
    with django_assert_max_num_queries(6):
        assert len(client.get(body["next"]).json()["results"]) == 100


# --- Creating -----------------------------------------------------------------------------------------------
def test_a_security_officer_creates_a_risk_audited_as_api_naming_the_token(matrix, security_officer, staff):
    token, text = token_for(security_officer, read_only=False, name="GRC sync")
    category = RiskCategoryFactory()
    system = SystemFactory()
    response = api_client(text).post(
        RISKS,
        new_risk(
            owner=staff.pk, category=category.pk, systems=[system.pk], target_likelihood=0, target_impact=0
        ),
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    risk = Risk.objects.get(pk=body["id"])
    assert (risk.owner, risk.category, list(risk.systems.all())) == (staff, category, [system])
    assert body["status"] == "open"
    assert body["next_review_on"] is not None
    event = AuditEvent.objects.get(action="risk.risk.create")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} GRC sync")


def test_a_draft_when_not_opened_now(matrix, security_officer):
    body = writer(security_officer).post(
        RISKS, new_risk(owner=security_officer.pk, open_now=False), format="json"
    )
    assert body.json()["status"] == "draft"


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin", "outsider"])
def test_only_security_officers_create_risks(matrix, personas, persona):
    response = writer(personas[persona]).post(RISKS, new_risk(owner=personas[persona].pk), format="json")
    assert response.status_code == 403
    assert not Risk.objects.exists()


def test_a_read_only_token_creates_nothing(matrix, security_officer):
    client = api_client(token_for(security_officer, read_only=True)[1])
    assert client.post(RISKS, new_risk(owner=security_officer.pk), format="json").status_code == 403


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"title": "  "}, "title"),
        ({"current_likelihood": 5}, "current_likelihood"),  # the 5×5 has steps 0 to 4 (the service says)
        ({"target_likelihood": 1}, "target_impact"),  # half a target
        ({"treatment": "ignore"}, "treatment"),
        ({"owner": 99999999999999999999}, "owner"),
        ({"systems": ["x"]}, "systems"),
        ({"review_interval_days": 0}, "review_interval_days"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(matrix, security_officer, changes, field):
    data = {**new_risk(owner=security_officer.pk), **changes}
    response = writer(security_officer).post(RISKS, data, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not Risk.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [{"title": 3}, {"owner": "1"}, {"open_now": "yes"}, {"current_impact": "2"}, {"systems": "1"}],
)
def test_values_of_another_json_type_than_the_schemas_are_refused(matrix, security_officer, changes):
    data = {**new_risk(owner=security_officer.pk), **changes}
    response = writer(security_officer).post(RISKS, data, format="json")
    assert response.status_code == 400, response.content
    assert set(changes) <= set(response.json()["errors"])


@pytest.mark.parametrize(
    "params", [{"level": ""}, {"category": "1.5"}, {"overdue": "maybe"}, {"status": "gone"}]
)
def test_parameters_the_schema_refuses_are_a_400(cast, security_officer, params):
    assert api_client(token_for(security_officer)[1]).get(RISKS, params).status_code == 400


def test_an_inactive_owner_is_refused_by_the_service(matrix, security_officer):
    gone = UserFactory(is_active=False)
    response = writer(security_officer).post(RISKS, new_risk(owner=gone.pk), format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["owner"] == ["Choose an active person as the owner."]


def test_without_an_active_matrix_nothing_is_created(db, security_officer):
    RiskMatrix.objects.update(is_active=False)
    response = writer(security_officer).post(RISKS, new_risk(owner=security_officer.pk), format="json")
    assert response.status_code == 400
    assert "no active risk matrix" in response.json()["errors"]["non_field_errors"][0]


def test_a_retried_create_with_the_same_key_creates_once(matrix, security_officer):
    client = writer(security_officer)
    first = client.post(RISKS, new_risk(owner=security_officer.pk), format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    again = client.post(RISKS, new_risk(owner=security_officer.pk), format="json", HTTP_IDEMPOTENCY_KEY="r-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert Risk.objects.count() == 1


# --- Editing and the status ---------------------------------------------------------------------------------
def test_the_owner_edits_their_risk(cast, staff):
    before = cast.staff_risk.title
    response = writer(staff).patch(
        detail(cast.staff_risk), {"title": "Renamed", "current_impact": 0}, format="json"
    )
    assert response.status_code == 200, response.content
    cast.staff_risk.refresh_from_db()
    assert (cast.staff_risk.title, cast.staff_risk.current_impact) == ("Renamed", 0)
    assert AuditEvent.objects.get(action="risk.risk.update").changes["title"] == [before, "Renamed"]


def test_only_a_security_officer_hands_a_risk_to_another_owner(cast, staff, manager, security_officer):
    assert (
        writer(staff).patch(detail(cast.staff_risk), {"owner": manager.pk}, format="json").status_code == 403
    )
    assert Risk.objects.get(pk=cast.staff_risk.pk).owner == staff
    response = writer(security_officer).patch(detail(cast.staff_risk), {"owner": manager.pk}, format="json")
    assert response.status_code == 200
    assert Risk.objects.get(pk=cast.staff_risk.pk).owner == manager


def test_a_stale_if_match_is_refused_and_the_current_one_goes_ahead(cast, staff, security_officer):
    client = writer(staff)
    etag = client.get(detail(cast.staff_risk))["ETag"]
    writer(security_officer).patch(detail(cast.staff_risk), {"threat": "Theft"}, format="json")
    stale = client.patch(detail(cast.staff_risk), {"title": "Mine"}, format="json", HTTP_IF_MATCH=etag)
    assert stale.status_code == 412
    assert Risk.objects.get(pk=cast.staff_risk.pk).threat == "Theft"
    current = client.get(detail(cast.staff_risk))["ETag"]
    response = client.patch(detail(cast.staff_risk), {"title": "Mine"}, format="json", HTTP_IF_MATCH=current)
    assert response.status_code == 200
    assert response["ETag"] != current


def test_the_status_follows_the_services_transitions(cast, staff):
    client = writer(staff)
    url = reverse("api:risk-risk-status", args=[cast.staff_risk.pk])
    assert client.post(url, {"status": "closed"}, format="json").json()["status"] == "closed"
    assert client.post(url, {"status": "closed"}, format="json").status_code == 400  # closed already
    assert client.post(url, {"status": "accepted"}, format="json").status_code == 400  # not offered
    assert client.post(url, {"status": "open"}, format="json").json()["status"] == "open"


def test_a_bad_score_on_edit_saves_nothing(cast, staff):
    response = writer(staff).patch(
        detail(cast.staff_risk), {"title": "X", "current_impact": 7}, format="json"
    )
    assert response.status_code == 400
    assert "current_impact" in response.json()["errors"]
    assert Risk.objects.get(pk=cast.staff_risk.pk).title != "X"


# --- Who may do what: exactly as the pages ------------------------------------------------------------------
def test_every_persona_gets_what_the_pages_give_them(cast, personas, manager, client_for):
    """For each persona and each risk: the API's detail answers as the risk page does, and its writes (edit
    and status) as the edit page does; never a 2xx where the page refuses."""
    assign_perm("risk.edit_shared_risk", manager, cast.staff_risk)  # a delegated editor
    for name, person in personas.items():
        page = client_for(person)
        api = writer(person)
        for risk in (cast.staff_risk, cast.outsider_risk, cast.manager_risk):
            seen = page.get(reverse("risk:risk", args=[risk.pk])).status_code
            assert api.get(detail(risk)).status_code == seen, (name, risk.reference)
            edit = page.get(reverse("risk:risk_edit", args=[risk.pk])).status_code
            assert edit in (200, 403, 404)
            assert api.patch(detail(risk), {}, format="json").status_code == edit, (name, risk.reference)
            status_url = reverse("api:risk-risk-status", args=[risk.pk])
            wanted = {200: 400, 403: 403, 404: 404}[edit]  # allowed: the service refuses open → open
            assert api.post(status_url, {"status": "open"}, format="json").status_code == wanted, name


def test_the_owner_shares_a_risk_to_edit_and_takes_it_back(cast, staff, manager):
    owner = writer(staff)
    share = reverse("api:risk-risk-share", args=[cast.staff_risk.pk])
    response = owner.post(share, {"person": manager.email.upper(), "can_edit": True}, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == [
        {"user": manager.pk, "email": manager.email, "full_name": manager.full_name, "can_edit": True}
    ]
    assert AuditEvent.objects.get(action="risk.risk.share").source == AuditSource.API
    assert (
        writer(manager).patch(detail(cast.staff_risk), {"threat": "Theft"}, format="json").status_code == 200
    )
    shares = reverse("api:risk-risk-shares", args=[cast.staff_risk.pk])
    assert len(owner.get(shares).json()) == 1
    unshare = reverse("api:risk-risk-unshare", args=[cast.staff_risk.pk])
    assert owner.post(unshare, {"user": manager.pk}, format="json").json() == []
    assert writer(manager).get(detail(cast.staff_risk)).status_code == 404


@pytest.mark.parametrize(
    ("person", "message"),
    [
        ("nobody@example.com", "No active person in the portal has this email."),
        ("sam.staff@example.com", "The owner sees and edits the risk already."),
    ],
)
def test_sharing_with_no_one_or_the_owner_is_a_400_on_the_person(cast, staff, person, message):
    share = reverse("api:risk-risk-share", args=[cast.staff_risk.pk])
    response = writer(staff).post(share, {"person": person}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"]["person"] == [message]


def test_every_persona_shares_where_the_share_form_lets_them(
    cast, personas, manager, second_report, client_for
):
    """The share form's answer (a redirect, its 400, 403 or 404) is the API's (200, 400, 403, 404)."""
    assign_perm("risk.edit_shared_risk", manager, cast.staff_risk)  # a delegated editor does not share
    for name, person in personas.items():
        page, api = client_for(person), writer(person)
        for risk in (cast.staff_risk, cast.outsider_risk, cast.manager_risk):
            data = {"person": second_report.email}
            posted = page.post(reverse("risk:risk_share", args=[risk.pk]), data).status_code
            answer = api.post(reverse("api:risk-risk-share", args=[risk.pk]), data, format="json").status_code
            assert answer == {302: 200, 400: 400, 403: 403, 404: 404}[posted], (name, risk.reference)
            listed = api.get(reverse("api:risk-risk-shares", args=[risk.pk])).status_code
            assert listed == {302: 200, 400: 200, 403: 403, 404: 404}[posted], (name, risk.reference)


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "admin", "outsider"])
def test_the_risks_above_appetite_are_counted_for_security_officers(cast, personas, persona):
    response = api_client(token_for(personas[persona])[1]).get(reverse("api:risk-risk-above-appetite"))
    if persona != "security_officer":
        assert response.status_code == 403
        return
    assert response.json() == {
        "appetite": "Moderate",
        "count": 1,
        "risks": [
            {
                "id": cast.outsider_risk.pk,
                "reference": cast.outsider_risk.reference,
                "title": cast.outsider_risk.title,
                "level": "Very high",
            }
        ],
    }


def test_ids_that_are_no_row_ids_are_not_found(cast, security_officer):
    client = writer(security_officer)
    for bad in ("abc", "99999999999999999999999", "0"):
        assert client.get(f"{RISKS}{bad}/").status_code == 404
        assert client.patch(f"{RISKS}{bad}/", {}, format="json").status_code == 404


def test_signed_out_is_a_401(cast):
    assert api_client().get(RISKS).status_code == 401
    assert api_client().get(detail(cast.staff_risk)).status_code == 401


def test_the_schema_describes_the_risk_endpoints_without_a_warning(tmp_path):
    import json

    from django.core.management import call_command

    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--format", "openapi-json", "--file", str(out), "--fail-on-warn", "--validate"
    )
    paths = set(json.loads(out.read_text())["paths"])
    assert {
        "/api/v1/risk/risks/",
        "/api/v1/risk/risks/{id}/",
        "/api/v1/risk/risks/{id}/status/",
        "/api/v1/risk/risks/{id}/shares/",
        "/api/v1/risk/risks/{id}/share/",
        "/api/v1/risk/risks/{id}/unshare/",
        "/api/v1/risk/risks/above-appetite/",
        "/api/v1/risk/actions/overdue-count/",
        "/api/v1/risk/assessments/",
        "/api/v1/risk/assessments/{id}/",
        "/api/v1/risk/assessments/due/",
        "/api/v1/risk/review-round/",
        "/api/v1/risk/acceptances/",
        "/api/v1/risk/acceptances/{id}/",
        "/api/v1/risk/acceptances/{id}/approve/",
        "/api/v1/risk/acceptances/{id}/reject/",
        "/api/v1/risk/acceptances/{id}/revoke/",
        "/api/v1/risk/actions/",
        "/api/v1/risk/actions/{id}/",
        "/api/v1/risk/actions/{id}/status/",
        "/api/v1/risk/matrices/",
        "/api/v1/risk/matrices/{id}/",
        "/api/v1/risk/heatmap/",
    } <= paths
