"""Birthright access: every joiner of a team gets its roles (source "birthright", audited with where the
joiner came from), whichever way they were created; a rule gives only baseline access; a team change puts
the old team's birthright grants the new team lacks into the mover review."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from access.choices import CampaignKind, GrantSource
from access.models import Grant, ReviewItem
from access.services.birthright import birthright_rule_add
from access.services.portal_roles import portal_system
from dpms import context
from dpms import services as people
from dpms.models import AuditEvent, Notification
from tests.access.factories import GrantFactory, RoleFactory
from tests.dpms.api_support import api_client, token_for
from tests.factories import TeamFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def finance_roles(team, security_officer):
    """Joiners of Finance get the ledger reader and the expenses roles."""
    roles = [RoleFactory(name="Ledger reader"), RoleFactory(name="Expenses")]
    for role in roles:
        birthright_rule_add(actor=security_officer, team=team, role=role)
    return roles


@pytest.mark.parametrize("source", ["cli", "web", "api", "scim", "sso"])
def test_a_joiner_gets_their_teams_birthright_audited_with_the_source(
    finance_roles, team, admin_user, source
):
    with context.origin(source):
        joiner = people.user_invite(
            actor=None if source in ("scim", "sso") else admin_user,
            email="jo@example.com",
            full_name="Jo Joiner",
            team=team,
            invite=source != "sso",
        )
    grants = Grant.objects.filter(user=joiner).select_related("role")
    assert {grant.role.name for grant in grants} == {"Ledger reader", "Expenses"}
    assert {grant.source for grant in grants} == {GrantSource.BIRTHRIGHT}
    assert all("Birthright of the team Finance" in grant.justification for grant in grants)
    events = AuditEvent.objects.filter(action="access.grant.create", object_id__in=[g.pk for g in grants])
    assert events.count() == 2
    assert {event.source for event in events} == {source}
    assert Notification.objects.filter(recipient=joiner, subject="Welcome to DPMS").count() == 1


def test_a_joiner_without_a_team_or_of_another_team_gets_nothing(finance_roles, outsider, admin_user):
    alone = people.user_invite(actor=admin_user, email="alone@example.com", full_name="Al One")
    sales = people.user_invite(
        actor=admin_user, email="s@example.com", full_name="Sal Es", team=outsider.team
    )
    assert not Grant.objects.filter(user__in=[alone, sales]).exists()


def test_people_already_in_the_team_are_not_given_a_new_rule(staff, team, security_officer):
    birthright_rule_add(actor=security_officer, team=team, role=RoleFactory())
    assert not Grant.objects.filter(user=staff).exists()


@pytest.mark.parametrize(
    ("role", "message"),
    [
        (lambda: RoleFactory(privileged=True), "Privileged roles are not given by birthright"),
        (lambda: portal_system().roles.get(name="auditor"), "Portal roles are given in People"),
    ],
)
def test_a_rule_gives_baseline_access_only(team, security_officer, role, message):
    with pytest.raises(ValidationError) as refused:
        birthright_rule_add(actor=security_officer, team=team, role=role())
    assert message in str(refused.value)


def test_the_same_rule_twice_is_refused(team, security_officer, finance_roles):
    with pytest.raises(ValidationError, match="already"):
        birthright_rule_add(actor=security_officer, team=team, role=finance_roles[0])


def test_a_mover_review_holds_the_old_teams_birthright_the_new_team_lacks(
    finance_roles, team, admin_user, security_officer, manager
):
    ledger, expenses = finance_roles
    joiner = people.user_invite(
        actor=admin_user, email="jo@example.com", full_name="Jo Joiner", team=team, manager=manager
    )
    sales = TeamFactory(name="Sales")
    birthright_rule_add(actor=security_officer, team=sales, role=expenses)  # Sales joiners get it too
    GrantFactory(user=joiner, role=RoleFactory(name="Manual viewer"))  # not birthright: not reviewed

    people.user_update(actor=admin_user, user=joiner, team=sales)

    items = ReviewItem.objects.filter(campaign__kind=CampaignKind.MOVER, holder=joiner)
    assert set(items.values_list("role_name", flat=True)) == {ledger.name}


def test_a_manager_change_alone_does_not_review_birthright(
    finance_roles, team, admin_user, manager, outsider
):
    joiner = people.user_invite(
        actor=admin_user, email="jo@example.com", full_name="Jo Joiner", team=team, manager=manager
    )
    people.user_update(actor=admin_user, user=joiner, manager=outsider)
    assert not ReviewItem.objects.filter(holder=joiner).exists()


def _invite_in_the_admin(client_for, admin_user, team):
    response = client_for(admin_user).post(
        reverse("admin:dpms_user_add"),
        {"email": "jo@example.com", "full_name": "Jo Joiner", "team": team.pk, "_save": "Save"},
    )
    assert response.status_code == 302


def _invite_through_the_api(client_for, admin_user, team):
    text = token_for(admin_user, read_only=False, name="hr sync")[1]
    body = {"email": "jo@example.com", "full_name": "Jo Joiner", "team": team.pk}
    assert api_client(text).post(reverse("api:person-list"), body, format="json").status_code == 201


def _invite_on_the_command_line(client_for, admin_user, team):
    call_command("invite_user", "jo@example.com", "Jo Joiner", "--team", team.name, stdout=io.StringIO())


@pytest.mark.parametrize(
    ("invite", "source"),
    [(_invite_in_the_admin, "web"), (_invite_through_the_api, "api"), (_invite_on_the_command_line, "cli")],
)
def test_joiners_from_the_admin_the_api_and_the_command_line_get_the_birthright(
    finance_roles, team, admin_user, client_for, invite, source
):
    invite(client_for, admin_user, team)
    grants = Grant.objects.filter(user__email="jo@example.com", source=GrantSource.BIRTHRIGHT)
    assert grants.count() == 2
    events = AuditEvent.objects.filter(action="access.grant.create", object_id__in=[g.pk for g in grants])
    assert {event.source for event in events} == {source}


def test_a_role_made_privileged_after_its_rule_is_not_given_by_birthright(finance_roles, team, admin_user):
    ledger, _expenses = finance_roles
    ledger.privileged = True
    ledger.save()
    joiner = people.user_invite(actor=admin_user, email="jo@example.com", full_name="Jo Joiner", team=team)
    assert set(Grant.objects.filter(user=joiner).values_list("role__name", flat=True)) == {"Expenses"}


def test_joining_a_team_later_gives_its_birthright(finance_roles, team, admin_user):
    """A directory that creates the person first and sets the team from a group afterwards, or a mover."""
    with context.origin("scim"):
        person = people.user_invite(actor=None, email="jo@example.com", full_name="Jo Joiner", invite=False)
        assert not Grant.objects.filter(user=person).exists()
        people.user_update(actor=None, user=person, team_id=team.pk)
    grants = Grant.objects.filter(user=person, source=GrantSource.BIRTHRIGHT)
    assert set(grants.values_list("role__name", flat=True)) == {"Ledger reader", "Expenses"}
    people.user_update(actor=admin_user, user=person, job_title="Clerk")  # not a move: nothing more
    assert Grant.objects.filter(user=person).count() == 2
