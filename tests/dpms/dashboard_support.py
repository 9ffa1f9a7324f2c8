"""Data for the dashboard tests: an officer's world of campaigns, risks and incidents at a given size (the
dashboard as a browser shows it, panels loaded: tests/dashboard_support.py)."""

from datetime import timedelta

from django.utils import timezone

from access.choices import CampaignStatus, Decision
from access.models import Grant, ReviewItem
from access.services.tallies import tally_recount
from incidents.choices import AuthorityDecision, Status
from incidents.models import Incident
from risk.choices import RiskStatus
from risk.models import Risk
from tests.access.factories import GrantFactory, ReviewCampaignFactory, ReviewItemFactory, RoleFactory
from tests.factories import UserFactory
from tests.risk.factories import RiskAssessmentFactory, RiskFactory, active_matrix


def campaign_with(decisions, *, name="Campaign", status=CampaignStatus.OPEN, reviewer=None, days_ago=0):
    campaign = ReviewCampaignFactory(
        name=name, status=status, launched_at=timezone.now() - timedelta(days=days_ago)
    )
    role = RoleFactory()
    reviewer = reviewer or UserFactory()
    holders = UserFactory.create_batch(len(decisions))
    grants = Grant.objects.bulk_create([GrantFactory.build(user=holder, role=role) for holder in holders])
    ReviewItem.objects.bulk_create(
        [
            ReviewItemFactory.build(campaign=campaign, grant=grant, reviewer=reviewer, decision=decision)
            for grant, decision in zip(grants, decisions, strict=True)
        ]
    )
    tally_recount(campaign_id=campaign.pk)
    return campaign


def officer_world(size: int, *, reporters) -> dict:
    """``size`` of everything the officers' panels count: campaigns (up to 10), risks at several levels
    with reviews, incidents over the last months with breaches met and missed."""
    now = timezone.now()
    campaigns = [
        campaign_with(
            [Decision.KEEP] * (n + 1) + [Decision.NO_RESPONSE] * (n % 2) + [Decision.PENDING] * 2,
            name=f"Campaign {n}",
            status=CampaignStatus.CLOSED if n else CampaignStatus.OPEN,
            days_ago=30 * (min(size, 10) - n),
        )
        for n in range(min(size, 10))
    ]
    matrix = active_matrix()
    owner = UserFactory()
    risks = Risk.objects.bulk_create(
        [
            RiskFactory.build(
                owner=owner,
                matrix=matrix,
                reference=f"R-W{n:04d}",
                current_likelihood=n % 5,
                current_impact=4,
                status=RiskStatus.OPEN if n % 7 else RiskStatus.CLOSED,
                created_at=now - timedelta(days=400),
                closed_at=None if n % 7 else now - timedelta(days=100),
            )
            for n in range(size)
        ]
    )
    for risk in risks[: max(size // 3, 1)]:
        RiskAssessmentFactory(
            risk=risk,
            reviewed_at=now - timedelta(days=90),
            before={"inherent": [3, 3], "current": [0, 0], "target": None},
            after={"inherent": [3, 3], "current": [risk.current_likelihood, 4], "target": None},
            current_level_index=matrix.level_index(risk.current_likelihood, 4),
        )
    incidents = []
    for n in range(size):
        reported = now - timedelta(days=(n * 37) % 330, hours=2)
        breach = n % 3 == 0
        incidents.append(
            Incident(
                reference=f"INC-2026-{n + 5000:04d}",
                title=f"World incident {n}",
                description="Bulk",
                category="phishing",
                reported_by=reporters[n % len(reporters)],
                reported_at=reported,
                noticed_at=reported,
                severity=n % 4 + 1,
                status=[Status.TRIAGED, Status.INVESTIGATING, Status.RESOLVED, Status.CLOSED][n % 4],
                acknowledged_at=reported + timedelta(hours=n % 5 + 1),
                resolved_at=reported + timedelta(hours=30) if n % 4 >= 2 else None,
                is_breach=breach,
                aware_at=reported if breach else None,
                authority_deadline=reported + timedelta(hours=72) if breach else None,
                authority_decision=AuthorityDecision.NOT_REQUIRED if breach and n % 2 else "",
                authority_decided_at=reported + timedelta(hours=10 if n % 4 == 1 else 80)
                if breach and n % 2
                else None,
            )
        )
    Incident.objects.bulk_create(incidents)
    return {"campaigns": campaigns, "risks": risks, "matrix": matrix}
