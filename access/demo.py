"""Demo data of the access register for ``manage.py seed_demo``: about 40 systems with 150 roles, 1,500
grants among the demo people, two review policies, a quarterly campaign half done, and the portal itself.

Deterministic (``random.Random(42)``) and safe to run twice: systems, roles and policies are looked up by
name and only what is missing is created; grants are only given on roles created in this run, and the
campaign only when its period has none. So a second run creates nothing, even after people changed data.

Systems, roles and grants are written with ``bulk_create`` (the seed stays fast) and recorded in the audit
trail with one summarising event per area (source ``cli``), not one per row; policies, the campaign launch
and the portal's own grants go through their services and are audited one by one.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from access.choices import (
    Cadence,
    CampaignKind,
    CampaignStatus,
    DataClassification,
    Decision,
    DefaultDecision,
    Environment,
    GrantSource,
    ReviewerRule,
)
from access.models import BirthrightRule, Grant, ReviewCampaign, ReviewItem, ReviewPolicy, Role, System
from access.services.birthright import birthright_rule_add
from access.services.campaigns import campaign_population, population_sha256, review_item
from access.services.policies import next_run_after_launch, period_key, policy_create, policy_enable
from access.services.portal_roles import sync_portal_roles
from access.services.register import check_privileged_limits
from access.services.routing import route
from access.services.tallies import tally_recount
from dpms import audit
from dpms.management.commands.seed_demo import people
from dpms.models import Team, User

SEED = 42
DOMAIN = "northwind.example"
SECURITY_OFFICER = "Lena Hoffmann"
IT_ADMIN = "Felix Wagner"
PROD, STAGING, DEV = Environment.PRODUCTION, Environment.STAGING, Environment.DEVELOPMENT
PUBLIC, INTERNAL = DataClassification.PUBLIC, DataClassification.INTERNAL
CONFIDENTIAL, STRICT = DataClassification.CONFIDENTIAL, DataClassification.STRICTLY_CONFIDENTIAL
ENG, FIN, SALES, PEOPLE, OPS, SUPPORT = (
    "Engineering",
    "Finance",
    "Sales",
    "People & Culture",
    "Operations",
    "Customer Support",
)
ALL = {ENG: 1, FIN: 1, SALES: 1, PEOPLE: 1, OPS: 1, SUPPORT: 1}
# Birthright (Access → Birthright): every joiner gets a mailbox, Slack and Confluence; engineers also get
# GitHub and Jira.
EVERYONE_BIRTHRIGHT = (("M365 Exchange", "Mailbox User"), ("Slack", "Member"), ("Confluence", "Viewer"))
BIRTHRIGHT = dict.fromkeys(ALL, EVERYONE_BIRTHRIGHT) | {
    ENG: (*EVERYONE_BIRTHRIGHT, ("GitHub Enterprise", "Member"), ("Jira", "User"))
}
# Privileged roles are marked with a leading "!".
# (name, environment, classification, owner, max privileged, {team: share of its people with access}, roles)
SYSTEMS = (
    ("SAP S/4HANA Finance", PROD, STRICT, "Sabine Krüger", 2, {FIN: 1, OPS: 0.3},
     ("Display", "AP Clerk", "GL Accountant", "Controller", "!Basis Administrator", "!Firefighter")),
    ("SAP S/4HANA Quality", STAGING, CONFIDENTIAL, "Sabine Krüger", 3, {FIN: 0.5, ENG: 0.15},
     ("Display", "Tester", "Key User", "!Basis Administrator")),
    ("Datev", PROD, STRICT, "Priya Raman", 2, {FIN: 0.8, PEOPLE: 0.4},
     ("User", "Payroll Clerk", "Tax Advisor Access", "!Administrator")),
    ("Workday", PROD, STRICT, "Aylin Demir", 2, ALL,
     ("Employee", "Manager Self-Service", "HR Partner", "Payroll", "!Security Administrator")),
    ("Greenhouse Recruiting", PROD, CONFIDENTIAL, "Aylin Demir", 2, {PEOPLE: 1, ENG: 0.3, SALES: 0.3},
     ("Interviewer", "Hiring Manager", "Recruiter", "!Site Admin")),
    ("Salesforce", PROD, CONFIDENTIAL, "Marco Rossi", 2, {SALES: 1, SUPPORT: 0.7, FIN: 0.3},
     ("Read Only", "Sales User", "Sales Manager", "Service Agent", "!System Administrator")),
    ("Salesforce Sandbox", STAGING, INTERNAL, "Leonie Wolf", 3, {SALES: 0.4, ENG: 0.3},
     ("Sales User", "Developer", "!System Administrator")),
    ("HubSpot Marketing", PROD, INTERNAL, "Leonie Wolf", 2, {SALES: 0.8, SUPPORT: 0.2},
     ("Viewer", "Marketer", "Content Editor", "!Super Admin")),
    ("Zendesk", PROD, CONFIDENTIAL, "Sofia Lindqvist", 2, {SUPPORT: 1, SALES: 0.3, ENG: 0.2},
     ("Light Agent", "Agent", "Team Lead", "!Administrator")),
    ("Stripe", PROD, STRICT, "Priya Raman", 2, {FIN: 0.6, SUPPORT: 0.4, ENG: 0.1},
     ("View Only", "Support Specialist", "Analyst", "!Administrator")),
    ("DocuSign", PROD, CONFIDENTIAL, "Thomas Keller", 2, {OPS: 0.6, FIN: 0.5, SALES: 0.5, PEOPLE: 0.5},
     ("Signer", "Sender", "Template Manager", "!Account Administrator")),
    ("Coupa Procurement", PROD, INTERNAL, "Thomas Keller", 2, {OPS: 0.8, FIN: 0.5, ENG: 0.1},
     ("Requester", "Approver", "Buyer", "!Administrator")),
    ("Gallagher Access Control", PROD, CONFIDENTIAL, "Thomas Keller", 2, {OPS: 0.4},
     ("Operator", "Card Issuer", "!System Administrator")),
    ("Okta", PROD, CONFIDENTIAL, IT_ADMIN, 3, ALL,
     ("User", "Helpdesk Admin", "App Admin", "!Super Administrator")),
    ("M365 Exchange", PROD, CONFIDENTIAL, IT_ADMIN, 2, ALL,
     ("Mailbox User", "Shared Mailbox Delegate", "!Exchange Administrator", "!Global Administrator")),
    ("Slack", PROD, INTERNAL, IT_ADMIN, 3, ALL,
     ("Member", "Channel Manager", "!Workspace Admin", "!Owner")),
    ("Google Workspace", PROD, INTERNAL, "Erik Larsen", 2, {SALES: 0.7, SUPPORT: 0.5, OPS: 0.4, ENG: 0.3},
     ("User", "Groups Admin", "!Super Admin")),
    ("Microsoft Intune", PROD, INTERNAL, "Erik Larsen", 2, {OPS: 0.4, ENG: 0.15},
     ("Help Desk Operator", "Read Only Operator", "Policy Manager", "!Intune Administrator")),
    ("1Password Business", PROD, CONFIDENTIAL, "Arjun Mehta", 2, {ENG: 1, OPS: 0.6, FIN: 0.5, SUPPORT: 0.3},
     ("Member", "Vault Manager", "!Owner")),
    ("CrowdStrike Falcon", PROD, CONFIDENTIAL, "Arjun Mehta", 2, {ENG: 0.25, OPS: 0.3},
     ("Analyst", "Responder", "!Falcon Administrator")),
    ("HashiCorp Vault", PROD, STRICT, "Arjun Mehta", 2, {ENG: 0.6},
     ("Reader", "Secrets Writer", "!Root Token Holder")),
    ("GitHub Enterprise", PROD, CONFIDENTIAL, "Jonas Becker", 3, {ENG: 1, SUPPORT: 0.3, OPS: 0.1},
     ("Member", "Triage", "Maintainer", "!Organization Owner")),
    ("Jira", PROD, INTERNAL, "Benedikt Lang", 3, {ENG: 1, SUPPORT: 0.8, SALES: 0.4, OPS: 0.4, FIN: 0.2},
     ("User", "Project Administrator", "!Jira Administrator")),
    ("Confluence", PROD, INTERNAL, "Benedikt Lang", 3, ALL,
     ("Viewer", "Editor", "Space Administrator", "!Confluence Administrator")),
    ("AWS Production", PROD, STRICT, "Tobias Braun", 2, {ENG: 0.8},
     ("ReadOnly", "Developer", "Billing", "!PowerUser", "!Root")),
    ("AWS Staging", STAGING, CONFIDENTIAL, "Tobias Braun", 3, {ENG: 0.9},
     ("ReadOnly", "Developer", "!Administrator")),
    ("AWS Development", DEV, INTERNAL, "Tobias Braun", 5, {ENG: 1},
     ("Developer", "Sandbox Owner", "!Administrator")),
    ("PostgreSQL prod cluster", PROD, STRICT, "Elif Kaya", 2, {ENG: 0.7, FIN: 0.1},
     ("Read Replica Reader", "Application Role", "Migration Runner", "!DBA", "!Superuser")),
    ("PostgreSQL staging cluster", STAGING, CONFIDENTIAL, "Elif Kaya", 3, {ENG: 0.8},
     ("Application Role", "Developer", "!DBA")),
    ("Kubernetes prod (EKS)", PROD, STRICT, "Oskar Nilsson", 3, {ENG: 0.7},
     ("Viewer", "Deployer", "Namespace Admin", "!cluster-admin")),
    ("Kubernetes staging", STAGING, INTERNAL, "Oskar Nilsson", 4, {ENG: 0.9},
     ("Viewer", "Deployer", "!cluster-admin")),
    ("Datadog", PROD, INTERNAL, "Oskar Nilsson", 3, {ENG: 1, SUPPORT: 0.4},
     ("Read Only", "Standard", "!Admin")),
    ("PagerDuty", PROD, INTERNAL, "Oskar Nilsson", 3, {ENG: 0.7, SUPPORT: 0.3},
     ("Responder", "Observer", "Manager", "!Account Owner")),
    ("Cloudflare", PROD, CONFIDENTIAL, "Tobias Braun", 2, {ENG: 0.4},
     ("Analytics", "Firewall Editor", "!DNS Administrator", "!Super Administrator")),
    ("Snowflake Data Warehouse", PROD, STRICT, "Rafael Costa", 2, {ENG: 0.4, FIN: 0.4, SALES: 0.2},
     ("Analyst", "Data Engineer", "!ACCOUNTADMIN")),
    ("Tableau Server", PROD, CONFIDENTIAL, "Rafael Costa", 2, {FIN: 0.7, SALES: 0.6, ENG: 0.2, OPS: 0.3},
     ("Viewer", "Explorer", "Creator", "!Server Administrator")),
    ("Jenkins", DEV, INTERNAL, "Mei Chen", 3, {ENG: 0.9},
     ("Viewer", "Job Runner", "Pipeline Author", "!Administrator")),
    ("SonarQube", DEV, INTERNAL, "Mei Chen", 3, {ENG: 0.9},
     ("User", "Quality Gate Admin", "!Administrator")),
    ("Figma", DEV, INTERNAL, "Jonas Becker", 2, {ENG: 0.5, SALES: 0.2, SUPPORT: 0.1},
     ("Viewer", "Editor", "!Organization Admin")),
    ("Postman", DEV, PUBLIC, "Mei Chen", 3, {ENG: 0.8, SUPPORT: 0.3},
     ("Viewer", "Editor", "Collection Owner", "!Team Admin")),
)  # fmt: skip
# Systems that keep more administrators than their maximum: a finding on their page.
OVER_LIMIT = {"AWS Production", "M365 Exchange", "PostgreSQL prod cluster"}
# People whose job is administration get privileged roles first.
ADMIN_TITLES = (
    "Administrator",
    "DevOps",
    "Site Reliability",
    "Security",
    "Database",
    "Head of",
    "IT Support",
)
JUSTIFICATIONS = (
    "Needed for daily work in this role.",
    "Part of the team's standard access.",
    "Covers the quarterly close.",
    "Joined the project team.",
    "Requested by the line manager for the new role.",
    "On-call rotation.",
    "Customer escalations need this.",
    "Onboarding package for the position.",
)
PRIVILEGED_JUSTIFICATIONS = (
    "System administrator for this platform.",
    "On-call administrator; break-glass access.",
    "Runs upgrades and patching.",
    "Owns the platform's configuration.",
)
KEEP_NOTES = (
    "Still needed for daily work.",
    "Confirmed with the person: uses it every week.",
    "Required for the role.",
)
PRIVILEGED_KEEP_NOTES = (
    "Administers this system; no one else can cover the on-call rota.",
    "Needed for the migration project until it ends.",
    "Break-glass administrator, confirmed with the system owner.",
)
REVOKE_NOTES = (
    "Moved to another project; no longer needed.",
    "Not used for months.",
    "Access came with a previous role.",
)
EXCEPTION_NOTE = "Needed until the year-end close, then to be removed."
QUARTERLY = "Quarterly production access review"
MONTHLY = "Monthly privileged access review"


def _people() -> list:
    """The demo organisation's people as (name, title, team), in seed_demo's order."""
    return [(person.name, person.title, person.team) for person in people()]


def plan(*, now: datetime.datetime) -> dict:
    """Everything to create, computed from names only (no ids), so every run plans the same register."""
    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    cast = _people()
    grants = []  # (person name, system, role, granted_at, expires_at, source, justification, granted_by)
    for name, _environment, _classification, owner, max_privileged, audience, roles in SYSTEMS:
        plain = [role for role in roles if not role.startswith("!")]
        privileged = [role[1:] for role in roles if role.startswith("!")]
        for person, _title, team in cast:
            if rng.random() >= audience.get(team, 0):
                continue
            chosen = [plain[0]]
            extra = [role for role in plain[1:] if rng.random() < 0.5]
            chosen += extra[:2]
            for role in chosen:
                grants.append((person, name, role, *_grant_details(rng, now, owner, privileged=False)))
        # Administrators: the owner, then people whose job is administration, within (or over) the limit.
        members = [(person, title) for person, title, team in cast if audience.get(team, 0) >= 0.4]
        admins = [p for p, title in members if p != owner and any(t in title for t in ADMIN_TITLES)]
        rng.shuffle(admins)
        admins.insert(0, owner)
        wanted = max_privileged + 2 if name in OVER_LIMIT else rng.randint(1, max_privileged)
        holders = admins[:wanted]
        if len(holders) < wanted:
            others = [p for p, _title in members if p not in holders]
            holders += rng.sample(others, min(wanted - len(holders), len(others)))
        for holder in holders:
            role = privileged[0] if len(privileged) == 1 or rng.random() < 0.7 else rng.choice(privileged)
            grants.append((holder, name, role, *_grant_details(rng, now, owner, privileged=True)))
    unique = {}
    for grant in grants:
        unique.setdefault((grant[0], grant[1], grant[2]), grant)
    return {"grants": list(unique.values())}


def _grant_details(rng, now, owner, *, privileged):
    granted_at = now - datetime.timedelta(days=rng.randint(20, 1100), hours=rng.randint(0, 23))
    temporary = rng.random() < (0.12 if privileged else 0.04)
    expires_at = (
        now + datetime.timedelta(days=rng.randint(2, 45), hours=rng.randint(0, 23)) if temporary else None
    )
    source = rng.choices(
        [GrantSource.MANUAL, GrantSource.REQUEST, GrantSource.IMPORT],
        weights=[5, 3, 2] if not privileged else [6, 4, 0],
    )[0]
    justification = rng.choice(PRIVILEGED_JUSTIFICATIONS if privileged else JUSTIFICATIONS)
    return granted_at, expires_at, source, justification, owner if rng.random() < 0.7 else SECURITY_OFFICER


def _systems(users) -> tuple[dict, int]:
    existing = {system.name: system for system in System.objects.filter(name__in=[s[0] for s in SYSTEMS])}
    new = [
        System(
            name=name,
            description=f"{name} ({environment}).",
            owner=users.get(owner),
            environment=environment,
            data_classification=classification,
            max_privileged=max_privileged,
        )
        for name, environment, classification, owner, max_privileged, _audience, _roles in SYSTEMS
        if name not in existing
    ]
    if new:
        System.objects.bulk_create(new)
        audit.record_seed(
            action="access.system.seed",
            object_type="access.system",
            label=f"{len(new)} demo systems",
            changes={"created": [system.name for system in new]},
        )
    systems = {system.name: system for system in System.objects.filter(name__in=[s[0] for s in SYSTEMS])}
    return systems, len(new)


def _roles(systems) -> tuple[dict, set]:
    """All demo roles by (system name, role name), and the keys of those created now."""
    have = {
        (role.system.name, role.name)
        for role in Role.objects.filter(system__in=systems.values()).select_related("system")
    }
    new = []
    for name, _env, _cls, _owner, _max, _audience, roles in SYSTEMS:
        for label in roles:
            privileged = label.startswith("!")
            role_name = label.lstrip("!")
            if (name, role_name) not in have:
                new.append(Role(system=systems[name], name=role_name, privileged=privileged))
    if new:
        Role.objects.bulk_create(new)
        audit.record_seed(
            action="access.role.seed",
            object_type="access.role",
            label=f"{len(new)} demo roles",
            changes={
                "created": len(new),
                "privileged": sum(role.privileged for role in new),
                "systems": len({role.system_id for role in new}),
            },
        )
    roles = {
        (role.system.name, role.name): role
        for role in Role.objects.filter(system__in=systems.values()).select_related("system")
    }
    return roles, {(role.system.name, role.name) for role in new}


def _grants(planned, users, roles, created_roles) -> int:
    new = [
        Grant(
            user=users[person],
            role=roles[(system, role)],
            granted_at=granted_at,
            expires_at=expires_at,
            source=source,
            justification=justification,
            granted_by=users.get(granted_by),
        )
        for person, system, role, granted_at, expires_at, source, justification, granted_by in planned
        if (system, role) in created_roles and person in users
    ]
    if not new:
        return 0
    Grant.objects.bulk_create(new, batch_size=500)
    audit.record_seed(
        action="access.grant.seed",
        object_type="access.grant",
        label=f"{len(new)} demo grants",
        changes={
            "created": len(new),
            "privileged": sum(grant.role.privileged for grant in new),
            "temporary": sum(grant.expires_at is not None for grant in new),
            "people": len({grant.user_id for grant in new}),
        },
    )
    return len(new)


def _policies(users, now) -> dict:
    officer = users[SECURITY_OFFICER]
    start = datetime.date(now.year, 1, 1)
    specs = {
        QUARTERLY: {
            "description": "Every quarter, managers confirm their people's access to production systems.",
            "environments": [Environment.PRODUCTION],
            "privileged_only": False,
            "reviewer_rule": ReviewerRule.MANAGER,
            "cadence": Cadence.QUARTERLY,
            "duration_days": 21,
        },
        MONTHLY: {
            "description": "Every month, system owners confirm who holds administrator-like roles.",
            "environments": [],
            "privileged_only": True,
            "reviewer_rule": ReviewerRule.SYSTEM_OWNER,
            "cadence": Cadence.MONTHLY,
            "duration_days": 10,
        },
    }
    policies = {policy.name: policy for policy in ReviewPolicy.objects.filter(name__in=specs)}
    for name, spec in specs.items():
        if name in policies:
            continue
        values = {
            "name": name,
            "fallback_reviewer": officer,
            "start_date": start,
            "reminder_days_before_due": [3, 1],
            "default_decision": DefaultDecision.FLAG,
            **spec,
        }
        policy = policy_create(actor=officer, values=values, now=now)
        policy = policy_enable(actor=officer, policy=policy, now=now)
        if name == QUARTERLY:  # this quarter's campaign is the half-done demo one, launched a week ago
            policy.next_run_at = next_run_after_launch(policy, now=now)
            policy.save(update_fields=["next_run_at"])
        policies[name] = policy
    return policies


def _campaign(policy, users, now) -> ReviewCampaign | None:
    """This quarter's campaign, launched a week ago through the launch's own population code, about half
    decided: some reviewers are done, some have started, some have not opened their queue."""
    key = period_key(policy.cadence, now.date())
    if ReviewCampaign.objects.filter(policy=policy, period_key=key).exists():
        return None
    launched_at = now - datetime.timedelta(days=7)
    campaign = ReviewCampaign.objects.create(
        policy=policy,
        kind=CampaignKind.SCHEDULED,
        name=f"{policy.name} · {key}",
        period_key=key,
        status=CampaignStatus.LAUNCHING,
        launched_at=launched_at,
        due_at=launched_at + datetime.timedelta(days=policy.duration_days),
        closes_at=policy.close_date(launched_at + datetime.timedelta(days=policy.duration_days)),
    )
    _populate(campaign, now)
    items = list(campaign.items.select_related("reviewer").order_by("pk"))
    rng = random.Random(SEED)  # noqa: S311 - demo data, deterministic on purpose
    reviewers = sorted({item.reviewer_id for item in items})
    progress = dict(zip(reviewers, [1.0, 0.8, 0.5, 0.2, 0.0, 0.6, 0.4, 0.9, 0.3] * 10, strict=False))
    decided = []
    by_reviewer = {}
    for item in items:
        by_reviewer.setdefault(item.reviewer_id, []).append(item)
    for reviewer_id, owned in by_reviewer.items():
        for item in owned[: round(len(owned) * progress[reviewer_id])]:
            _decide(item, rng, launched_at, now)
            decided.append(item)
    ReviewItem.objects.bulk_update(
        decided,
        ["decision", "justification", "keep_until", "decided_by", "decided_at", "bulk"],
        batch_size=500,
    )
    tally_recount(campaign_id=campaign.pk)
    audit.record_seed(
        action="access.item.seed",
        object_type="access.reviewcampaign",
        label=campaign.name,
        changes={
            "campaign": campaign.pk,
            "decided": len(decided),
            "items": len(items),
            "by_decision": {
                decision: sum(item.decision == decision for item in decided)
                for decision in (Decision.KEEP, Decision.REVOKE, Decision.EXCEPTION)
            },
        },
    )
    return campaign


def _populate(campaign, now) -> None:
    """The launch's population, routing and snapshot, written in one go (a demo campaign of some hundred
    items needs no batches) and recorded as the launch records it."""
    officer = User.objects.security_officers().first()
    grants = campaign_population(campaign).select_related(
        "user__manager", "role__system__owner", "granted_by"
    )
    items = []
    for grant in grants.order_by("pk"):
        reviewer, note = route(
            policy=campaign.policy, grant=grant, holder=grant.user, security_officer=officer
        )
        items.append(
            review_item(campaign=campaign, grant=grant, reviewer=reviewer, routing_note=note, now=now)
        )
    ReviewItem.objects.bulk_create(items, batch_size=500)
    rows = [(item.grant_id, item.holder.email, item.system_name, item.role_name) for item in items]
    campaign.population_count = campaign.items_created = len(items)
    campaign.population_sha256 = population_sha256(rows)
    campaign.status = CampaignStatus.OPEN
    campaign.save(update_fields=["population_count", "population_sha256", "items_created", "status"])
    tally_recount(campaign_id=campaign.pk)
    audit.record(
        action="access.campaign.launch",
        obj=campaign,
        changes={
            "policy": campaign.policy.name,
            "period_key": campaign.period_key,
            "kind": campaign.kind,
            "launched_at": campaign.launched_at,
            "due_at": campaign.due_at,
            "population_count": len(rows),
            "population_sha256": campaign.population_sha256,
            "via": "seed_demo",
        },
        source="cli",
    )


def _decide(item, rng, launched_at, now) -> None:
    roll = rng.random()
    item.decided_by = item.reviewer
    item.decided_at = launched_at + datetime.timedelta(
        hours=rng.randint(1, int((now - launched_at).days * 24) - 1)
    )
    if roll < 0.08:
        item.decision, item.justification = Decision.REVOKE, rng.choice(REVOKE_NOTES)
    elif roll < 0.12:
        item.decision, item.justification = Decision.EXCEPTION, EXCEPTION_NOTE
        item.keep_until = (now + datetime.timedelta(days=rng.randint(30, 90))).date()
    elif item.privileged:
        item.decision, item.justification = Decision.KEEP, rng.choice(PRIVILEGED_KEEP_NOTES)
    else:
        item.decision, item.justification = Decision.KEEP, rng.choice(KEEP_NOTES)
        item.bulk = rng.random() < 0.5


@transaction.atomic
def seed_access_demo(*, stdout=None) -> dict:
    """The ``seed_demo`` seeder of the access app. Returns what it created."""
    now = timezone.now()
    users = {user.full_name: user for user in User.objects.people().filter(email__endswith=f"@{DOMAIN}")}
    if SECURITY_OFFICER not in users:
        return {}  # not the demo organisation: nothing to hang the register on
    planned = plan(now=now)["grants"]
    systems, new_systems = _systems(users)
    roles, created_roles = _roles(systems)
    grants = _grants(planned, users, roles, created_roles)
    portal = sync_portal_roles(now=now)
    policies = _policies(users, now)
    campaign = _campaign(policies[QUARTERLY], users, now)
    findings = check_privileged_limits(now=now)
    birthright = _birthright(roles, users[SECURITY_OFFICER])
    created = {
        "systems": new_systems,
        "roles": len(created_roles),
        "grants": grants,
        "portal grants": portal,
        "campaign": campaign.name if campaign else None,
        "findings": findings,
        "birthright rules": birthright,
    }
    if stdout is not None:
        if new_systems or created_roles or grants or portal or campaign or birthright:
            stdout.write(
                f"Access register: {len(systems)} systems, {len(roles)} roles, {grants} new grants; "
                f"campaign {campaign.name if campaign else 'exists already'}."
            )
        else:
            stdout.write("Access register: the demo data exists already; nothing changed.")
    return created


def _birthright(roles, officer) -> int:
    """The demo teams' birthright rules, set by the security officer (audited); those that exist stay."""
    teams = {team.name: team for team in Team.objects.filter(name__in=BIRTHRIGHT)}
    have = set(BirthrightRule.objects.values_list("team__name", "role_id"))
    added = 0
    for team_name, wanted in BIRTHRIGHT.items():
        for key in wanted:
            role = roles.get(key)
            if team_name in teams and role is not None and (team_name, role.pk) not in have:
                birthright_rule_add(actor=officer, team=teams[team_name], role=role)
                added += 1
    return added
