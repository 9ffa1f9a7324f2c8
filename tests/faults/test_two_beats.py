"""Two beats run at once by mistake (the README says exactly one), for many ticks, while a launch, reminder
digests and an escalation are due: every tick is sent twice, and still nothing is done or sent twice. Each
tick reads its calendar from the database and claims its work, and every email has a key of its own."""

import time

import pytest

from access.models import ReviewCampaign
from dpms.models import Notification
from incidents.models import IncidentEscalation
from tests.faults import scenarios
from tests.faults.support import wait_until

pytestmark = pytest.mark.faults


def test_two_beats_at_once_send_nothing_twice(deployment, security_officer, admin_user, manager):
    policy = scenarios.launch_due(500, managers=10)
    scenarios.digest_due(manager)
    incident = scenarios.escalation_due_in(seconds=5)
    deployment.worker(concurrency=2)
    beats = [deployment.beat("1"), deployment.beat("2")]

    def done():
        return (
            scenarios.launch_complete(policy)
            and IncidentEscalation.objects.filter(incident=incident, position=2).exists()
            and Notification.objects.filter(recipient__email="boss9@faults.example").exists()
            and scenarios.all_sent(deployment.smtp)
        )

    assert wait_until(done, timeout=90, every=1)
    time.sleep(
        15
    )  # two and a half access ticks, a dozen incidents ticks, six sweeps, each sent by both beats
    assert all(beat.alive() for beat in beats)
    assert all("Sending due task access.tasks.tick" in beat.output() for beat in beats)

    assert ReviewCampaign.objects.filter(policy=policy).count() == 1
    items, distinct, population = scenarios.items_once(scenarios.launched(policy))
    assert items == distinct == population
    assert IncidentEscalation.objects.filter(incident=incident, position=2).count() == 1
    arrivals = scenarios.arrivals_per_row(deployment.smtp)
    assert arrivals.pop(None) == 0
    assert set(arrivals.values()) == {1}
    recipients = sorted(message.to[0] for message in deployment.smtp.messages)
    assert len(recipients) == len(arrivals)
    assert recipients.count(manager.email) == 1  # one digest for the open campaign
    assert recipients.count("boss9@faults.example") == 1  # one for the new one
