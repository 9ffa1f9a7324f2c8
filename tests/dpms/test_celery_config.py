"""The Celery configuration the workers and beat actually get (app.conf, read from the CELERY_ settings)."""

import pytest
from celery.beat import Service

from dpms.celery import app, beat_schedule

SCHEDULE = beat_schedule()


def test_only_json_is_accepted_and_sent():
    assert app.conf.accept_content == ["json"]
    assert app.conf.task_serializer == "json"
    assert app.conf.result_serializer == "json"


def test_a_task_is_acknowledged_only_after_it_ran_and_redelivered_if_its_worker_dies():
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1


def test_tasks_have_a_soft_and_a_hard_time_limit():
    assert 0 < app.conf.task_soft_time_limit < app.conf.task_time_limit


def test_tests_never_run_tasks_eagerly():
    assert app.conf.task_always_eager is False


def test_beat_ticks_every_app_sweeps_the_outbox_and_checkpoints_the_audit_trail():
    tasks = sorted(entry["task"] for entry in SCHEDULE.values())
    assert tasks == [
        "access.tasks.tick",
        "dpms.integrity_tasks.write_audit_checkpoint",
        "dpms.tasks.outbox_sweep",
        "incidents.tasks.tick",
        "policies.tasks.tick",
        "risk.tasks.tick",
        "vulnerabilities.tasks.tick",
    ]


def test_each_app_ticks_as_often_as_it_registered():
    every = {entry["task"]: entry["schedule"] for entry in SCHEDULE.values()}
    assert every == {
        "access.tasks.tick": 300.0,
        "risk.tasks.tick": 300.0,
        "incidents.tasks.tick": 60.0,
        "policies.tasks.tick": 300.0,
        "vulnerabilities.tasks.tick": 900.0,
        "dpms.tasks.outbox_sweep": 120.0,
        "dpms.integrity_tasks.write_audit_checkpoint": 3600.0,  # AUDIT_CHECKPOINT_SECONDS
    }


def test_a_starting_beat_schedules_every_tick(tmp_path):
    """Beat reads the schedule when it starts, after Django (and so every app's registration) is loaded."""
    before = app.conf.beat_schedule
    app.conf.beat_schedule = {}
    try:
        # As `celery beat` makes it: the configured scheduler class (CELERY_BEAT_SCHEDULER).
        service = Service(
            app=app, scheduler_cls=app.conf.beat_scheduler, schedule_filename=str(tmp_path / "beat-schedule")
        )
        scheduler = service.get_scheduler()
        scheduled = {entry.task for entry in scheduler.schedule.values()}
        scheduler.close()
    finally:
        app.conf.beat_schedule = before
    assert scheduled >= {entry["task"] for entry in SCHEDULE.values()}


@pytest.mark.parametrize("name", sorted(SCHEDULE))
def test_beat_entry_names_a_task_the_worker_registers(name):
    app.loader.import_default_modules()  # what a worker does at start: autodiscover every app's tasks.py
    assert SCHEDULE[name]["task"] in app.tasks


@pytest.mark.parametrize("name", sorted(SCHEDULE))
def test_a_tick_left_in_the_queue_expires_before_the_next_one(name):
    entry = SCHEDULE[name]
    assert 0 < entry["options"]["expires"] <= entry["schedule"]


def test_a_worker_waits_for_the_broker_as_long_as_it_is_gone():
    assert app.conf.broker_connection_max_retries is None  # Celery's default gives up after 100 attempts
    assert app.conf.broker_connection_retry_on_startup is True


def test_a_publish_makes_one_connection_attempt():
    """dpms.enqueue publishes without retries; kombu's connection retries come from the transport options."""
    assert app.conf.broker_transport_options["max_retries"] == 0


def test_redis_hands_an_unacknowledged_message_on_only_after_the_longest_task_and_retry_wait(requires_redis):
    longest_wait = 3600  # the outbox's and the webhooks' backoff is at most an hour
    visibility = app.conf.broker_transport_options["visibility_timeout"]
    assert visibility > max(app.conf.task_time_limit, longest_wait)


def test_tick_periods_scale_with_dpms_tick_scale(settings):
    settings.DPMS_TICK_SCALE = 0.02
    every = {entry["task"]: entry["schedule"] for entry in beat_schedule().values()}
    assert every["access.tasks.tick"] == pytest.approx(6.0)
    assert every["incidents.tasks.tick"] == pytest.approx(1.2)
    assert every["dpms.tasks.outbox_sweep"] == pytest.approx(2.4)
