"""Redis stops for a minute while a campaign of 5,000 items launches, a security officer launches another
one, reminder digests are due and an incident escalation falls due. The worker and beat ride it out, the
officer's request is not held up, and once Redis is back, with nobody doing anything, every email goes out
exactly once and every review item exists exactly once.

Redis comes back empty (no persistence), as after a crash: whatever was queued is gone (the officer's
launch never reached it), and the ticks and sweeps, reading the database, send it again."""

import time

import pytest
from django.urls import reverse

from incidents.models import IncidentEscalation
from tests.access.factories import ReviewPolicyFactory
from tests.faults import scenarios
from tests.faults.support import wait_until

pytestmark = pytest.mark.faults

OUTAGE = 60  # seconds
RECOVERY = 120  # seconds after Redis is back for everything to be done


def test_worker_and_beat_ride_out_a_minute_without_redis(
    deployment, monkeypatch, client_for, security_officer, admin_user, manager
):
    deployment.publish_from_here(monkeypatch)
    due = scenarios.launch_due(5000)
    by_hand = ReviewPolicyFactory(next_run_at=None)  # the same scope: every grant
    scenarios.digest_due(manager)
    incident = scenarios.escalation_due_in(seconds=20)
    worker, beat = deployment.worker(), deployment.beat()

    assert wait_until(lambda: scenarios.launched(due) is not None, timeout=60), "the tick did not launch"
    deployment.redis.stop()
    down = time.monotonic()
    response = client_for(security_officer).post(reverse("access:policy_launch", args=[by_hand.pk]))
    assert response.status_code == 302  # launched; its items are written once Redis is back
    assert scenarios.launched(by_hand) is not None
    time.sleep(OUTAGE - (time.monotonic() - down))
    assert worker.alive(), "the worker exited while Redis was down"
    assert beat.alive(), "beat exited while Redis was down"
    deployment.redis.start()
    back = time.monotonic()

    def done():
        return (
            scenarios.launch_complete(due)
            and scenarios.launch_complete(by_hand)
            and IncidentEscalation.objects.filter(incident=incident, position=2).exists()
            and scenarios.all_sent(deployment.smtp)
        )

    assert wait_until(done, timeout=RECOVERY, every=1), "not everything was done 120 s after Redis came back"
    recovered_in = time.monotonic() - back
    time.sleep(5)  # two more sweeps: nothing arrives a second time
    assert worker.alive()
    assert beat.alive()

    for policy in (due, by_hand):
        items, distinct, population = scenarios.items_once(scenarios.launched(policy))
        assert items == distinct == population >= 5000
    arrivals = scenarios.arrivals_per_row(deployment.smtp)
    assert arrivals.pop(None) == 0, "a message arrived that no outbox row sent"
    assert set(arrivals.values()) == {1}, "an email arrived more or less than once"
    recipients = {message.to[0] for message in deployment.smtp.messages}
    assert {manager.email, admin_user.email, "boss0@faults.example", "boss49@faults.example"} <= recipients
    print(f"recovered {recovered_in:.0f} s after Redis came back; {len(arrivals)} emails, {items} items")
