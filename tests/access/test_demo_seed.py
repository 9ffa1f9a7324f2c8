"""seed_demo fills the access register with a live example, and a second run creates nothing (the demo is
seeded once for this module: ``demo`` in tests/conftest.py)."""

import pytest
from django.db.models import F

from access.choices import CampaignStatus, Decision, FindingKind
from access.models import (
    BirthrightRule,
    Finding,
    Grant,
    ReviewCampaign,
    ReviewItem,
    ReviewPolicy,
    Role,
    System,
)
from dpms.models import AuditEvent

pytestmark = pytest.mark.django_db


def counts():
    return (
        System.objects.count(),
        Role.objects.count(),
        Grant.objects.count(),
        ReviewPolicy.objects.count(),
        ReviewCampaign.objects.count(),
        ReviewItem.objects.count(),
        Finding.objects.count(),
        AuditEvent.objects.count(),
        BirthrightRule.objects.count(),
    )


def test_fills_the_register_with_about_40_systems_150_roles_and_1500_grants(demo):
    assert 38 <= System.objects.filter(is_portal=False).count() <= 45
    assert 140 <= Role.objects.count() <= 170
    assert 1400 <= Grant.objects.active().count() <= 1600
    assert Role.objects.filter(privileged=True).count() >= 40
    # Every system has 2 to 6 roles and an owner among the demo people.
    for system in System.objects.filter(is_portal=False):
        assert 2 <= system.roles.count() <= 6, system
        assert system.owner is not None
        assert system.owner.email.endswith("@northwind.example")


def test_some_grants_are_temporary_and_expire_in_the_next_weeks(demo):
    temporary = Grant.objects.filter(expires_at__isnull=False)
    assert temporary.count() >= 20
    assert all(grant.expires_at > grant.granted_at for grant in temporary)


def test_a_few_systems_keep_more_administrators_than_allowed(demo):
    over = Finding.objects.filter(kind=FindingKind.TOO_MANY_PRIVILEGED, resolved_at__isnull=True)
    assert {"AWS Production", "M365 Exchange", "PostgreSQL prod cluster"} <= set(
        over.values_list("system__name", flat=True)
    )


def test_every_team_has_birthright_and_engineers_more(demo):
    rules = BirthrightRule.objects.values_list("team__name", "role__system__name")
    by_team = {team: {system for name, system in rules if name == team} for team, _system in rules}
    assert len(by_team) == 6
    assert by_team["Finance"] == {"M365 Exchange", "Slack", "Confluence"}
    assert by_team["Engineering"] == {"M365 Exchange", "Slack", "Confluence", "GitHub Enterprise", "Jira"}


def test_two_enabled_review_policies(demo):
    quarterly = ReviewPolicy.objects.get(name="Quarterly production access review")
    monthly = ReviewPolicy.objects.get(name="Monthly privileged access review")
    assert quarterly.enabled
    assert monthly.enabled
    assert quarterly.environments == ["production"]
    assert not quarterly.privileged_only
    assert monthly.privileged_only
    assert monthly.reviewer_rule == "owner"


def test_one_campaign_is_open_and_about_half_decided_with_justifications(demo):
    (campaign,) = ReviewCampaign.objects.exclude(kind="mover")
    assert campaign.status == CampaignStatus.OPEN
    items = campaign.items.all()
    total = items.count()
    assert total == campaign.population_count > 300
    assert len(campaign.population_sha256) == 64
    decided = items.exclude(decision=Decision.PENDING)
    assert 0.35 * total <= decided.count() <= 0.65 * total
    assert not decided.filter(justification="").exists()
    assert decided.filter(decision=Decision.REVOKE).exists()
    assert not decided.exclude(decided_by=F("reviewer")).exists()
    # The snapshot is taken from the grants, as a launch takes it.
    item = items.select_related("grant__role__system").first()
    assert item.system_name == item.grant.role.system.name
    assert item.holder_id == item.grant.user_id


def test_the_portal_is_a_system_with_its_roles_as_grants(demo):
    portal = System.objects.get(is_portal=True)
    assert portal.owner.email == "felix.wagner@northwind.example"
    holders = set(Grant.objects.active().filter(role__system=portal).values_list("user__email", "role__name"))
    assert holders == {
        ("lena.hoffmann@northwind.example", "security officer"),
        ("daniel.schmidt@northwind.example", "auditor"),
        ("felix.wagner@northwind.example", "admin"),
    }


def test_seeded_areas_are_in_the_audit_trail_from_the_command_line(demo):
    for action in ("access.system.seed", "access.role.seed", "access.grant.seed", "access.item.seed"):
        event = AuditEvent.objects.get(action=action)
        assert event.source == "cli", action
    assert AuditEvent.objects.filter(action="access.policy.create").count() == 2
    assert AuditEvent.objects.filter(action="access.campaign.launch").count() == 1


def test_second_run_creates_nothing(demo):
    before = counts()
    output = demo.seed()
    assert counts() == before
    assert "nothing changed" in output
