"""Two ticks at once on PostgreSQL launch one campaign per policy and period."""

import datetime
from unittest import mock

import pytest

from access.models import ReviewCampaign
from access.services.campaigns import launch_due_campaigns
from tests.access.factories import ReviewPolicyFactory
from tests.concurrency import same_call_at_once

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")
NOW = datetime.datetime(2026, 11, 29, 9, 30, tzinfo=datetime.UTC)


def test_two_ticks_at_once_launch_one_campaign_per_policy():
    policies = ReviewPolicyFactory.create_batch(
        3, start_date=datetime.date(2026, 10, 1), next_run_at=NOW - datetime.timedelta(hours=1)
    )
    with mock.patch("access.services.campaigns._enqueue_population") as enqueue:
        results = same_call_at_once(lambda: launch_due_campaigns(now=NOW), 4)
    assert sum(results) == 3
    assert len(results) == 4
    for policy in policies:
        assert list(ReviewCampaign.objects.filter(policy=policy).values_list("period_key", flat=True)) == [
            "2026-Q4"
        ]
    assert enqueue.call_count == 3
