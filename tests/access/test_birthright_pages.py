"""The Birthright page: security officers set team → role rules, auditors read them, everyone else is
refused; bad input is a form error; the page runs the same queries with 2 rules and with 40."""

import pytest
from django.urls import reverse

from access.models import BirthrightRule
from access.services.birthright import birthright_rule_add
from dpms.models import AuditEvent
from tests.access.factories import RoleFactory
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("access:birthright")


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["staff", "manager", "outsider", "admin"])
def test_people_who_neither_set_nor_audit_it_are_refused(client_for, personas, persona):
    client = client_for(personas[persona])
    assert client.get(PAGE).status_code == 403
    rule = birthright_rule_add(actor=None, team=TeamFactory(), role=RoleFactory())
    assert client.post(reverse("access:birthright_remove", args=[rule.pk])).status_code == 403
    assert BirthrightRule.objects.filter(pk=rule.pk).exists()


def test_an_auditor_reads_the_rules_but_changes_nothing(client_for, auditor, team):
    rule = birthright_rule_add(actor=None, team=team, role=RoleFactory(name="Ledger reader"))
    client = client_for(auditor)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "Ledger reader" in page.content.decode()
    assert 'data-testid="birthright-form"' not in page.content.decode()
    assert client.post(PAGE, {"team": team.pk, "role": RoleFactory().pk}).status_code == 403
    assert client.post(reverse("access:birthright_remove", args=[rule.pk])).status_code == 403
    assert BirthrightRule.objects.count() == 1


def test_an_officer_adds_and_removes_a_rule_audited(client_for, security_officer, team):
    role = RoleFactory(name="Ledger reader")
    client = client_for(security_officer)
    response = client.post(PAGE, {"team": team.pk, "role": role.pk})
    assert response.status_code == 302
    rule = BirthrightRule.objects.get(team=team, role=role)
    assert rule.created_by == security_officer
    assert "Ledger reader" in client.get(PAGE).content.decode()
    response = client.post(reverse("access:birthright_remove", args=[rule.pk]))
    assert response.status_code == 302
    assert not BirthrightRule.objects.exists()
    assert [
        e.action
        for e in AuditEvent.objects.filter(action__startswith="access.birthright").order_by("sequence")
    ] == [
        "access.birthright.add",
        "access.birthright.remove",
    ]


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"team": "", "role": ""},
        {"team": "abc", "role": "1"},
        {"team": "999999", "role": "999999"},
        {"team": "1\x00", "role": "1"},
    ],
)
def test_bad_input_is_a_form_error_and_saves_nothing(client_for, security_officer, team, data):
    response = client_for(security_officer).post(PAGE, data)
    assert response.status_code == 400
    assert not BirthrightRule.objects.exists()


def test_a_privileged_role_is_offered_nowhere_and_refused_if_posted(client_for, security_officer, team):
    role = RoleFactory(name="Root", privileged=True)
    client = client_for(security_officer)
    assert "Root" not in client.get(PAGE).content.decode()
    response = client.post(PAGE, {"team": team.pk, "role": role.pk})
    assert response.status_code == 400
    assert not BirthrightRule.objects.exists()


def test_the_same_rule_twice_is_a_form_error(client_for, security_officer, team):
    role = RoleFactory()
    birthright_rule_add(actor=security_officer, team=team, role=role)
    response = client_for(security_officer).post(PAGE, {"team": team.pk, "role": role.pk})
    assert response.status_code == 400
    assert "already" in response.content.decode()
    assert BirthrightRule.objects.count() == 1


def test_removing_a_rule_that_is_gone_is_a_404(client_for, security_officer):
    assert (
        client_for(security_officer).post(reverse("access:birthright_remove", args=[99999])).status_code
        == 404
    )


@pytest.mark.parametrize("size", [2, 40])
def test_the_page_runs_the_same_queries_whatever_the_number_of_rules(
    client_for, security_officer, size, django_assert_num_queries
):
    teams = [TeamFactory() for _ in range(4)]
    for n in range(size):
        birthright_rule_add(actor=security_officer, team=teams[n % 4], role=RoleFactory())
    client = client_for(security_officer)
    client.get(PAGE)  # a session's first request also records it (allauth usersessions)
    # 16 queries: session and user (2); allauth's user-session tracking: savepoint, select session, select
    # its user, update last seen, release (5); the user's groups (1); the header's unread count (1); the
    # rules counted, and their page with team, role, system and author (2); the form's team and role
    # choices (2); saving the sliding session: savepoint, update, release (3).
    with django_assert_num_queries(16):
        response = client.get(PAGE)
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == size
