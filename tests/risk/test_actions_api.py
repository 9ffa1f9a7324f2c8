"""Treatment actions through the API: add, edit (If-Match), set the status and complete, with the service's
rules; every persona gets what the pages give them; the list filtered like the page, its query count."""

import datetime

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from dpms.models import AuditEvent, AuditSource
from risk.choices import ActionStatus
from risk.models import TreatmentAction
from risk.services.actions import site_today
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory
from tests.risk.factories import RiskFactory, TreatmentActionFactory
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

ACTIONS = reverse("api:risk-action-list")


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


def detail(action):
    return reverse("api:risk-action-detail", args=[action.pk])


def status_url(action):
    return reverse("api:risk-action-status", args=[action.pk])


def new_action(risk, owner, **changes):
    due = site_today() + datetime.timedelta(days=30)
    return {
        "risk": risk.pk,
        "title": "Encrypt laptops",
        "owner": owner.pk,
        "due_on": due.isoformat(),
        **changes,
    }


def test_the_risk_owner_adds_an_action_audited_as_api(cast, staff, manager):
    token, text = token_for(staff, read_only=False, name="tracker")
    response = api_client(text).post(ACTIONS, new_action(cast.staff_risk, manager), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["owner"], body["status"], body["you_may_change"]) == (manager.pk, "open", True)
    event = AuditEvent.objects.get(action="risk.action.create")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} tracker")
    assert manager.notifications.filter(subject__startswith="Risk action for you").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"due_on": "2020-01-01"}, "due_on"),  # the service: not in the past
        ({"title": " "}, "title"),
        ({"owner": 99999999999999999999}, "owner"),
        ({"due_on": "tomorrow"}, "due_on"),
        ({"risk": "x"}, "risk"),
    ],
)
def test_bad_input_is_a_400_and_adds_nothing(cast, staff, changes, field):
    response = writer(staff).post(ACTIONS, {**new_action(cast.staff_risk, staff), **changes}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()["errors"]
    assert not TreatmentAction.objects.exists()


def test_an_inactive_owner_is_refused(cast, staff):
    gone = UserFactory(is_active=False)
    response = writer(staff).post(ACTIONS, new_action(cast.staff_risk, gone), format="json")
    assert response.status_code == 400
    assert "owner" in response.json()["errors"]


def test_edit_keeps_what_is_not_sent_and_if_match_refuses_a_stale_write(cast, staff, security_officer):
    action = TreatmentActionFactory(risk=cast.staff_risk, title="Old")
    client = writer(staff)
    etag = client.get(detail(action))["ETag"]
    response = client.patch(detail(action), {"title": "New"}, format="json", HTTP_IF_MATCH=etag)
    assert response.status_code == 200, response.content
    action.refresh_from_db()
    assert (action.title, action.owner) == ("New", staff)
    assert (
        client.patch(detail(action), {"title": "Newer"}, format="json", HTTP_IF_MATCH=etag).status_code == 412
    )
    assert TreatmentAction.objects.get(pk=action.pk).title == "New"


def test_the_actions_owner_completes_it_without_editing_rights(cast, staff, outsider):
    action = TreatmentActionFactory(risk=cast.staff_risk, owner=outsider)
    client = writer(outsider)
    assert client.get(detail(action)).json()["you_may_change"] is False
    assert client.patch(detail(action), {"title": "Mine"}, format="json").status_code == 403
    response = client.post(status_url(action), {"status": "done"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "done"
    assert response.json()["completed_at"] is not None
    assert client.post(status_url(action), {"status": "finished"}, format="json").status_code == 400


# --- Who may do what: as the pages --------------------------------------------------------------------------
def test_every_persona_gets_what_the_pages_give_them(cast, personas, manager, outsider, client_for):
    """Detail as the action page, edit as the edit page, status as the status form (a redirect there is a
    200 here); never a 2xx where the page refuses."""
    assign_perm("risk.edit_shared_risk", manager, cast.staff_risk)
    actions = [
        TreatmentActionFactory(risk=cast.staff_risk),
        TreatmentActionFactory(
            risk=cast.staff_risk, owner=outsider
        ),  # owned by someone who cannot see the risk
        TreatmentActionFactory(risk=cast.outsider_risk),
    ]
    for name, person in personas.items():
        page, api = client_for(person), writer(person)
        for action in actions:
            args = [action.risk_id, action.pk]
            shown = page.get(reverse("risk:action_detail", args=args)).status_code
            assert api.get(detail(action)).status_code == shown, (name, action.title)
            edit = page.get(reverse("risk:action_edit", args=args)).status_code
            assert api.patch(detail(action), {}, format="json").status_code == edit, (name, action.title)
            posted = page.post(
                reverse("risk:action_status", args=args), {"status": "in_progress"}
            ).status_code
            answer = api.post(status_url(action), {"status": "in_progress"}, format="json").status_code
            assert answer == {302: 200, 403: 403, 404: 404}[posted], (name, action.title)


def test_adding_is_for_who_may_change_the_risk(cast, personas, client_for):
    for name, person in personas.items():
        for risk in (cast.staff_risk, cast.outsider_risk):
            shown = client_for(person).get(reverse("risk:action_new", args=[risk.pk])).status_code
            response = writer(person).post(ACTIONS, new_action(risk, risk.owner), format="json")
            assert response.status_code == {200: 201, 403: 403, 404: 404}[shown], (name, risk.reference)


# --- The list -----------------------------------------------------------------------------------------------
def test_the_list_is_filtered_like_the_page(cast, staff, security_officer):
    mine = TreatmentActionFactory(risk=cast.staff_risk, owner=staff)
    late = TreatmentActionFactory(
        risk=cast.staff_risk, owner=staff, due_on=site_today() - datetime.timedelta(days=3)
    )
    other = TreatmentActionFactory(risk=cast.outsider_risk)
    client = api_client(token_for(staff)[1])
    assert [row["id"] for row in client.get(ACTIONS).json()["results"]] == [late.pk, mine.pk]
    assert [row["id"] for row in client.get(ACTIONS, {"overdue": "true"}).json()["results"]] == [late.pk]
    officer = api_client(token_for(security_officer)[1])
    assert officer.get(ACTIONS).json()["results"] == []  # their own: none
    every = {row["id"] for row in officer.get(ACTIONS, {"scope": "all"}).json()["results"]}
    assert every == {mine.pk, late.pk, other.pk}
    assert officer.get(ACTIONS, {"scope": "everything"}).status_code == 400
    done = officer.get(ACTIONS, {"scope": "all", "status": ActionStatus.DONE}).json()["results"]
    assert done == []


@pytest.mark.parametrize("rows", [10, 1000])
def test_the_list_runs_a_fixed_number_of_queries(
    matrix, staff, security_officer, rows, django_assert_num_queries
):
    risk = RiskFactory(owner=staff, matrix=matrix)
    TreatmentAction.objects.bulk_create(
        TreatmentActionFactory.build(risk=risk, owner=staff, title=f"Action {n}") for n in range(rows)
    )
    for person, scope in ((staff, "mine"), (security_officer, "all")):
        client = api_client(token_for(person)[1])
        client.get(ACTIONS)
        # token with its owner (1), the caller's roles (1), a page of actions with risk and owner (1)
        with django_assert_num_queries(3):
            body = client.get(ACTIONS, {"scope": scope, "page_size": 200}).json()
        assert len(body["results"]) == min(rows, 200)


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "admin", "outsider"])
def test_the_overdue_count_is_for_security_officers(cast, personas, persona):
    TreatmentActionFactory(risk=cast.outsider_risk, due_on=site_today() - datetime.timedelta(days=1))
    TreatmentActionFactory(risk=cast.staff_risk)
    response = api_client(token_for(personas[persona])[1]).get(reverse("api:risk-action-overdue-count"))
    assert response.status_code == (200 if persona == "security_officer" else 403)
    if response.status_code == 200:
        assert response.json() == {"overdue": 1}
