"""The worker's pool process is killed (SIGKILL, as the kernel's OOM killer does) in the middle of a campaign
launch and in the middle of sending email: nothing is lost and nothing is done twice.

What happens: Celery's main process sees its child die and, since tasks are acknowledged late and rejected
when their worker is lost (``CELERY_TASK_REJECT_ON_WORKER_LOST``), hands the message straight back to
Redis; a new child runs it again at once, without waiting for Redis' visibility timeout. The launch carries
on where its items end. The email the child was sending stays claimed until the claim goes stale (twice the
task's hard time limit: 60 s here, 10 minutes in production), then the sweep sends it; the rest of its batch
goes out when the batch runs again."""

import os
import signal
import time

import pytest

from access.choices import CampaignStatus
from dpms.models import OutboxEmail, OutboxStatus
from tests.faults import scenarios
from tests.faults.conftest import TIME_LIMIT
from tests.faults.support import wait_until

pytestmark = pytest.mark.faults


def kill_the_child(worker) -> int:
    (child,) = worker.children()  # concurrency 1: one pool process
    os.kill(child, signal.SIGKILL)
    return child


def test_a_killed_worker_process_loses_nothing_and_sends_nothing_twice(deployment, manager):
    policy = scenarios.launch_due(10_000)  # five batches of 2,000 items
    # The first email (a reviewer's digest, once the campaign is open) is caught in the middle of its send.
    deployment.smtp.hold()
    worker, _beat = deployment.worker(concurrency=1), deployment.beat()

    def half_launched():
        campaign = scenarios.launched(policy)
        return (
            campaign is not None and campaign.status == CampaignStatus.LAUNCHING and campaign.items.exists()
        )

    assert wait_until(half_launched, timeout=90, every=0.05), "the launch did not start"
    killed = kill_the_child(worker)
    items_then = scenarios.launched(policy).items.count()
    killed_at = time.monotonic()
    assert wait_until(lambda: scenarios.launch_complete(policy), timeout=60), (
        "the launch was not taken up again"
    )
    assert time.monotonic() - killed_at < 60  # redelivered at once, not after the visibility timeout (1 hour)
    items, distinct, population = scenarios.items_once(scenarios.launched(policy))
    assert 0 < items_then < population
    assert items == distinct == population == 10_000

    # The campaign is open: the next tick writes the 50 reviewers' digests, sent by one batch task. The SMTP
    # server does not answer the first message's DATA; the child is killed while it waits.
    assert deployment.smtp.holding.wait(60), "no email was sent"
    assert kill_the_child(worker) != killed
    deployment.smtp.release()

    def the_batch_ran_again():
        statuses = list(OutboxEmail.objects.values_list("status", flat=True))
        return sorted(statuses) == sorted([OutboxStatus.SENDING] + [OutboxStatus.SENT] * 49)

    # The rest of the batch goes out; the one caught in the middle stays claimed, until its claim is stale.
    assert wait_until(the_batch_ran_again, timeout=30, every=0.2)
    assert wait_until(lambda: scenarios.all_sent(deployment.smtp), timeout=2 * TIME_LIMIT + 60, every=1)
    time.sleep(5)  # two more sweeps: nothing arrives a second time
    arrivals = scenarios.arrivals_per_row(deployment.smtp)
    assert arrivals.pop(None) == 0
    assert len(arrivals) == 50
    assert set(arrivals.values()) == {1}
    assert worker.alive()
