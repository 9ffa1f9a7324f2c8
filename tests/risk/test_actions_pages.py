"""Pages of treatment actions: the permission ladder, status updates by the action's owner, the list."""

import datetime

import pytest
from django.urls import reverse

from risk.choices import ActionStatus
from risk.models import TreatmentAction
from risk.services.actions import site_today
from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory
from tests.risk.factories import RiskFactory, TreatmentActionFactory, active_matrix

pytestmark = pytest.mark.django_db


@pytest.fixture
def risk(staff):
    return RiskFactory(owner=staff)


@pytest.fixture
def action(risk, second_report):
    """An action owned by someone who does not otherwise see the risk."""
    return TreatmentActionFactory(risk=risk, owner=second_report, title="Patch the VPN")


def url(name, *args):
    return reverse(f"risk:{name}", args=args)


def test_anonymous_visitors_are_sent_to_sign_in(client, action):
    for target in (
        url("actions"),
        url("action_new", action.risk_id),
        url("action_detail", action.risk_id, action.pk),
        url("action_edit", action.risk_id, action.pk),
    ):
        response = client.get(target)
        assert response.status_code == 302
        assert "/login" in response.url


def test_new_action_ladder(client_for, risk, outsider, auditor, staff, security_officer):
    target = url("action_new", risk.pk)
    assert client_for(outsider).get(target).status_code == 404  # cannot see the risk
    assert client_for(auditor).get(target).status_code == 403  # sees it, changes nothing
    assert client_for(staff).get(target).status_code == 200  # the risk's owner
    assert client_for(security_officer).get(target).status_code == 200


def test_the_owner_adds_an_action(client_for, risk, staff, second_report):
    due = site_today() + datetime.timedelta(days=14)
    response = client_for(staff).post(
        url("action_new", risk.pk), {"title": "Add MFA", "owner": second_report.pk, "due_on": due.isoformat()}
    )
    assert response.status_code == 302
    assert TreatmentAction.objects.get(risk=risk).owner == second_report


def test_a_bad_action_form_is_a_400_and_saves_nothing(client_for, risk, staff):
    response = client_for(staff).post(url("action_new", risk.pk), {"title": "", "owner": staff.pk})
    assert response.status_code == 400
    assert not TreatmentAction.objects.exists()


def test_action_owner_sees_the_action_and_sets_its_status_but_cannot_edit_it(
    client_for, action, second_report
):
    client = client_for(second_report)
    assert client.get(url("action_detail", action.risk_id, action.pk)).status_code == 200
    assert client.get(url("action_edit", action.risk_id, action.pk)).status_code == 403
    response = client.post(url("action_status", action.risk_id, action.pk), {"status": "done"})
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE


def test_others_cannot_see_or_set_an_action(client_for, action, outsider, auditor):
    assert client_for(outsider).get(url("action_detail", action.risk_id, action.pk)).status_code == 404
    assert (
        client_for(outsider)
        .post(url("action_status", action.risk_id, action.pk), {"status": "done"})
        .status_code
        == 404
    )
    assert client_for(auditor).get(url("action_detail", action.risk_id, action.pk)).status_code == 200
    assert (
        client_for(auditor)
        .post(url("action_status", action.risk_id, action.pk), {"status": "done"})
        .status_code
        == 403
    )
    action.refresh_from_db()
    assert action.status == ActionStatus.OPEN


def test_status_is_post_only(client_for, action, second_report):
    assert client_for(second_report).get(url("action_status", action.risk_id, action.pk)).status_code == 405


def test_the_risk_owner_edits_an_action(client_for, action, staff, second_report):
    due = site_today() + datetime.timedelta(days=3)
    response = client_for(staff).post(
        url("action_edit", action.risk_id, action.pk),
        {"title": "Patch it now", "owner": second_report.pk, "due_on": due},
    )
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.title, action.due_on) == ("Patch it now", due)


def test_my_actions_lists_only_mine_and_filters_overdue(client_for, staff, risk):
    TreatmentActionFactory(
        risk=risk, owner=staff, title="Late one", due_on=site_today() - datetime.timedelta(days=2)
    )
    TreatmentActionFactory(risk=risk, owner=staff, title="Later one")
    TreatmentActionFactory(risk=risk, owner=UserFactory(), title="Someone else's")
    client = client_for(staff)
    titles = [a.title for a in client.get(url("actions")).context["page"].object_list]
    assert sorted(titles) == ["Late one", "Later one"]
    overdue = client.get(url("actions"), {"overdue": "on"}).context["page"].object_list
    assert [a.title for a in overdue] == ["Late one"]
    everything = client.get(url("actions"), {"scope": "all"}).context["page"].object_list
    assert len(everything) == 3  # the owner sees every action on their risk


def test_dashboard_shows_my_overdue_actions_and_the_officers_count(client_for, staff, risk, security_officer):
    TreatmentActionFactory(
        risk=risk, owner=staff, title="Late one", due_on=site_today() - datetime.timedelta(days=2)
    )
    mine = dashboard_html(client_for(staff))
    assert "Your overdue risk actions" in mine
    assert "Late one" in mine
    officer = dashboard_html(client_for(security_officer))
    assert "Overdue risk actions" in officer


# 14: session and user (2); allauth's user-session tracking (5); the officer's groups (1); the count and the
# page of actions with risk and owner joined (2); the header's unread count (1); saving the session (3).
ACTION_LIST_QUERIES = 14


@pytest.mark.parametrize("count", [10, 200])
def test_action_list_query_count_does_not_grow(
    client_for, security_officer, count, django_assert_num_queries
):
    owner = UserFactory()
    risks = [
        RiskFactory.build(owner=owner, matrix=active_matrix(), reference=f"R-Q{n:04d}") for n in range(count)
    ]
    risks = type(risks[0]).objects.bulk_create(risks)
    TreatmentAction.objects.bulk_create(
        TreatmentAction(risk=r, owner=owner, title=f"Act {r.pk}", due_on=site_today()) for r in risks
    )
    client = client_for(security_officer)
    client.get(url("actions"))  # a session's first request also records it
    with django_assert_num_queries(ACTION_LIST_QUERIES):
        response = client.get(url("actions"), {"scope": "all"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, 25)
