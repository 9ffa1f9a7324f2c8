"""The worker records each run of a periodic task as it ends, through a real worker and broker: a success
moves the last success, a failing tick keeps it, and other tasks leave no record."""

import pytest

from dpms.models import TickRun
from tests.dpms.outbox_support import wait_until

pytestmark = pytest.mark.celery


def _run_of(name):
    return TickRun.objects.filter(name=name, last_run_at__isnull=False).first()


def test_a_tick_run_by_the_worker_is_recorded_as_a_success(celery_worker):
    from incidents.tasks import tick

    tick.delay()
    assert wait_until(lambda: _run_of("incidents.tasks.tick") is not None)
    run = _run_of("incidents.tasks.tick")
    assert run.last_state == "SUCCESS"
    assert run.last_ok_at == run.last_run_at


def test_a_failing_tick_is_recorded_and_keeps_its_last_success(celery_worker, monkeypatch):
    import access.tasks
    from access.tasks import tick

    tick.delay()
    assert wait_until(lambda: _run_of("access.tasks.tick") is not None)
    succeeded_at = _run_of("access.tasks.tick").last_ok_at

    def broken_step(*, now):
        raise RuntimeError("step broke")

    monkeypatch.setattr(access.tasks, "TICK_STEPS", (broken_step,))
    tick.delay()
    assert wait_until(lambda: _run_of("access.tasks.tick").last_state == "FAILURE")
    run = _run_of("access.tasks.tick")
    assert run.last_ok_at == succeeded_at
    assert run.last_run_at > succeeded_at


def test_tasks_beat_does_not_send_leave_no_record(celery_worker):
    from dpms.tasks import send_outbox_emails

    send_outbox_emails.delay([])
    from incidents.tasks import tick

    tick.delay()  # after the first, on the same solo worker: once it is recorded, the first has run
    assert wait_until(lambda: _run_of("incidents.tasks.tick") is not None)
    assert not TickRun.objects.filter(name="dpms.tasks.send_outbox_emails").exists()
