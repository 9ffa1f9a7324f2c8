"""Handing work to the workers: one attempt, never a wait on a broker that is down.

Everything DPMS hands to Celery is also kept in the database (an outbox row, a launching campaign, an import
job, a webhook delivery), and a periodic sweep or tick sends again what did not arrive. So a publish that
fails loses nothing, and a caller (a web request after its commit, a task handing on its work) must not wait
for the broker to come back: ``enqueue`` tries once and says whether the broker took the message.

Once here is not Celery's default. A publish retries three times (``task_publish_retry``), and kombu then
keeps those retries in the shared connection's transport options, so that every later connection attempt
retries too: about 0.6 s per email with Redis down. ``retry=False`` alone is worse: opening the connection
then retries for ``broker_connection_timeout`` (4 s). The settings give the broker one connection attempt
(``max_retries: 0`` in ``CELERY_BROKER_TRANSPORT_OPTIONS``), and here each publish has no retry of its own.

A broker that does not answer at all (a host that drops packets) costs one connect timeout per attempt, so
after a failure this process does not try again for ``PAUSE_AFTER_FAILURE`` seconds: a request that writes a
hundred emails waits for one attempt, not a hundred.
"""

import logging
import time
from collections.abc import Sequence

from dpms.celery import app

log = logging.getLogger(__name__)

PAUSE_AFTER_FAILURE = 5.0  # seconds without a publish attempt after one failed, in this process

_paused_until = 0.0  # time.monotonic() before which this process does not try the broker


def enqueue(task, args: Sequence = (), *, countdown: float | None = None) -> bool:
    """Send ``task`` (a Celery task, or a task's name where importing it would make a cycle) with ``args``
    to the workers, at most once, after ``countdown`` seconds if given. Returns False, having logged why,
    when the broker did not take it: the caller's sweep sends it later."""
    global _paused_until
    name = task if isinstance(task, str) else task.name
    if time.monotonic() < _paused_until:
        log.warning("Broker down a moment ago: %s%r left to the sweep", name, tuple(args))
        return False
    try:
        if isinstance(task, str):
            app.send_task(task, args=list(args), countdown=countdown, retry=False)
        else:
            task.apply_async(list(args), countdown=countdown, retry=False)
    except Exception as exc:  # noqa: BLE001 - any broker error: the work is kept in the database
        _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
        log.warning("Broker did not take %s%r (%r); left to the sweep", name, tuple(args), exc)
        return False
    return True
