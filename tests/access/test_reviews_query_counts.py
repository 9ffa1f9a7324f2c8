"""A queue of any size for the query-count tests (the page's own test is in ``test_queue_page.py``): context
comes from joins and one annotated count per item inside the same query."""

import pytest
from django.utils import timezone

from access.choices import Decision
from access.models import Grant, ReviewItem
from dpms.models import User
from tests.access.factories import ReviewCampaignFactory, RoleFactory, SystemFactory
from tests.factories import test_password_hash as password_hash  # not named test_*: pytest would collect it

pytestmark = pytest.mark.django_db


def fill_queue(*, reviewer, team, count):
    """``count`` items for ``reviewer`` over a few systems and roles, about a third decided (bulk inserts)."""
    campaign = ReviewCampaignFactory()
    systems = [SystemFactory() for _ in range(3)]
    roles = [RoleFactory(system=systems[n % 3], privileged=n == 0) for n in range(6)]
    holders = User.objects.bulk_create(
        User(email=f"holder{n}@example.com", full_name=f"Holder {n:04}", team=team, password=password_hash())
        for n in range(count // 2 + 1)
    )
    grants = Grant.objects.bulk_create(
        Grant(
            user=holders[n // 2], role=roles[n % 6 if n % 2 == 0 else (n % 6 + 1) % 6], justification="Work."
        )
        for n in range(count)
    )
    now = timezone.now()
    ReviewItem.objects.bulk_create(
        ReviewItem(
            campaign=campaign,
            grant=grant,
            holder=grant.user,
            holder_label=grant.user.full_name,
            system_id=grant.role.system_id,
            system_name=grant.role.system.name,
            role=grant.role,
            role_name=grant.role.name,
            privileged=grant.role.privileged,
            environment=grant.role.system.environment,
            granted_at=grant.granted_at,
            reviewer=reviewer,
            decision=Decision.KEEP if n % 3 == 0 else Decision.PENDING,
            decided_by=reviewer if n % 3 == 0 else None,
            decided_at=now if n % 3 == 0 else None,
        )
        for n, grant in enumerate(grants)
    )
