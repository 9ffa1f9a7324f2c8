"""The queue costs the same number of queries with 10 items or 1,000: context comes from joins, one annotated
count per item inside the same query, and one prefetch of the systems' roles."""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.choices import Decision
from access.models import Grant, ReviewItem
from access.views.reviews import PAGE_SIZE
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


@pytest.mark.parametrize("count", [10, 1000])
def test_queue_query_count_does_not_grow_with_items(
    client_for, manager, team, count, django_assert_num_queries
):
    fill_queue(reviewer=manager, team=team, count=count)
    client = client_for(manager)
    client.get(reverse("access:review_queue"))  # a session's first request also records it (usersessions)
    # 18 queries: session and user (2); allauth's user-session tracking (5); the reviewer's groups (1);
    # the page count (1); the page's item ids, sorted (1), then those items with holder, campaign, decider and
    # same-team counts (1); the
    # systems' roles for the downgrade choice (1); progress (1); the header's unread count (1); the campaign
    # filter's choices (1); saving the sliding session: savepoint, update, release (3).
    with django_assert_num_queries(18):
        response = client.get(reverse("access:review_queue"))
    assert response.status_code == 200
    assert len(response.context["rows"]) == min(count, PAGE_SIZE)
