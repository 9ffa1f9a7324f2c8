"""The Celery application. Beat only ticks: each app's tick reads its calendar from the database."""

import os
from contextlib import AbstractContextManager

from celery import Celery
from celery.beat import PersistentScheduler
from celery.signals import task_postrun, task_prerun
from kombu.transport import TRANSPORT_ALIASES

from dpms import filesystem_broker, redis_broker

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dpms.settings")

# The embedded broker's scheme (``dpms-filesystem://``), known before the app connects (web, worker, beat).
TRANSPORT_ALIASES.setdefault(filesystem_broker.SCHEME, filesystem_broker.TRANSPORT)
# Redis, repaired so that a worker outlives a broker that vanishes mid-task (dpms/redis_broker.py).
for _scheme in redis_broker.SCHEMES:
    TRANSPORT_ALIASES[_scheme] = redis_broker.PATH

app = Celery("dpms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


OUTBOX_SWEEP_SECONDS = 120.0


def _every(seconds: float, task: str) -> dict:
    # A tick still queued when the next one is due expires and is discarded unrun: after the workers were
    # down, the backlog costs one run, not one per missed tick (a late tick catches up: the calendar is data).
    return {"task": task, "schedule": seconds, "options": {"expires": seconds}}


def beat_schedule() -> dict:
    """What beat sends: the outbox sweep, the audit trail's checkpoint, and every app's tick as the app
    registered it (``dpms.portal``).
    Static: exactly one beat runs in production; each tick reads its own calendar from the database."""
    from django.conf import settings

    from dpms import portal

    scale = settings.DPMS_TICK_SCALE
    schedule = {"outbox-sweep": _every(OUTBOX_SWEEP_SECONDS * scale, "dpms.tasks.outbox_sweep")}
    # A signed checkpoint of the audit trail, kept outside the database (dpms/integrity.py).
    checkpoint_every = float(settings.AUDIT_CHECKPOINT_SECONDS)
    schedule["audit-checkpoint"] = _every(checkpoint_every, "dpms.integrity_tasks.write_audit_checkpoint")
    for tick in portal.ticks():
        schedule[f"{tick.name}"] = _every(tick.every.total_seconds() * scale, tick.name)
    return schedule


class TickScheduler(PersistentScheduler):
    """Beat's scheduler (``CELERY_BEAT_SCHEDULER``): it reads the apps' ticks when beat starts, once Django,
    and so every app's registration, is loaded."""

    def setup_schedule(self):
        self.app.conf.beat_schedule = beat_schedule()
        super().setup_schedule()


_origins: dict[str, AbstractContextManager] = {}  # the origin context of each running task, by task id


@task_prerun.connect
def _enter_task_origin(task_id=None, task=None, **kwargs):
    """Everything a task writes to the audit trail says so, with the task id as request id."""
    from dpms.context import origin

    cm = origin("task", request_id=task_id or "")
    cm.__enter__()
    _origins[task_id] = cm


@task_postrun.connect
def _leave_task_origin(task_id=None, **kwargs):
    cm = _origins.pop(task_id, None)
    if cm is not None:
        cm.__exit__(None, None, None)
