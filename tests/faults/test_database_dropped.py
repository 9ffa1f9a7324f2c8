"""PostgreSQL drops the worker's connection in the middle of a campaign launch (an administrator's
pg_terminate_backend, a failover, a restart): the task fails on its next query, is retried, and the launch
completes with every item exactly once."""

import pytest
from django.db import connection

from access.choices import CampaignStatus
from tests.faults import scenarios
from tests.faults.conftest import WORKER_APP_NAME
from tests.faults.support import wait_until

pytestmark = pytest.mark.faults


def terminate_worker_backends() -> int:
    """End every session the workers hold on this test's database; how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = %s AND datname = current_database()",
            [WORKER_APP_NAME],
        )
        return cursor.fetchone()[0]


def test_a_dropped_database_connection_is_retried_and_the_launch_completes(deployment):
    policy = scenarios.launch_due(10_000)
    worker = deployment.worker(concurrency=1)
    deployment.beat()

    def half_launched():
        campaign = scenarios.launched(policy)
        return (
            campaign is not None and campaign.status == CampaignStatus.LAUNCHING and campaign.items.exists()
        )

    assert wait_until(half_launched, timeout=90, every=0.05), "the launch did not start"
    assert terminate_worker_backends() >= 1
    items_then = scenarios.launched(policy).items.count()

    assert wait_until(lambda: scenarios.launch_complete(policy), timeout=60), "the launch did not complete"
    items, distinct, population = scenarios.items_once(scenarios.launched(policy))
    assert 0 < items_then < population
    assert items == distinct == population == 10_000
    assert "access.tasks.populate_campaign" in worker.output()
    assert "Retry in" in worker.output()  # the task failed on the dropped connection and was retried
    assert worker.alive()
