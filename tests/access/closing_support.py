"""Helpers for the closing, reminder and revocation tests: a campaign with items, built quickly."""

import datetime

from django.utils import timezone

from access.models import Grant, ReviewItem
from access.services.tallies import tally_recount
from tests.access.factories import ReviewCampaignFactory, ReviewPolicyFactory, RoleFactory
from tests.factories import UserFactory


def campaign_with_items(n, *, reviewer=None, role=None, policy=None, campaign=None, **policy_fields):
    """A campaign with ``n`` pending items on one role, one holder each, reviewed by ``reviewer``."""
    if campaign is None:
        policy = policy or ReviewPolicyFactory(**policy_fields)
        campaign = ReviewCampaignFactory(
            policy=policy, launched_at=timezone.now() - datetime.timedelta(days=1)
        )
    role = role or RoleFactory()
    reviewer = reviewer or UserFactory()
    holders = UserFactory.create_batch(n)
    granted = timezone.now() - datetime.timedelta(days=100)
    grants = Grant.objects.bulk_create(
        [Grant(user=h, role=role, granted_at=granted, justification="work") for h in holders]
    )
    ReviewItem.objects.bulk_create(
        [
            ReviewItem(
                campaign=campaign,
                grant=g,
                holder=g.user,
                holder_label=f"{g.user.full_name} <{g.user.email}>",
                system=role.system,
                system_name=role.system.name,
                role=role,
                role_name=role.name,
                privileged=role.privileged,
                environment=role.system.environment,
                granted_at=granted,
                reviewer=reviewer,
            )
            for g in grants
        ]
    )
    tally_recount(campaign_id=campaign.pk)  # as the launch does once the items are written
    campaign.population_count = n
    campaign.population_sha256 = "a" * 64
    campaign.save(update_fields=["population_count", "population_sha256"])
    return campaign
