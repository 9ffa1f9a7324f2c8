"""The Celery application. Beat only ticks: each app's tick reads its calendar from the database."""

import os

from celery import Celery
from celery.signals import task_prerun, task_postrun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dpms.settings")

app = Celery("dpms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    "outbox-sweep": {"task": "dpms.tasks.outbox_sweep", "schedule": 120.0},
    "access-tick": {"task": "access.tasks.tick", "schedule": 300.0},
    "risk-tick": {"task": "risk.tasks.tick", "schedule": 300.0},
    "incidents-tick": {"task": "incidents.tasks.tick", "schedule": 60.0},
}

_origins = {}


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
