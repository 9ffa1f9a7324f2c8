"""/healthz tells the truth about the background work: a periodic task with no successful run in 3 of its
periods, or an email that has waited for 3 outbox sweeps, is named and answers 503; the worker records each
run as it ends."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms import health
from dpms.celery import OUTBOX_SWEEP_SECONDS
from dpms.models import OutboxEmail, OutboxStatus, TickRun

pytestmark = pytest.mark.django_db

ACCESS_TICK = "access.tasks.tick"  # every 5 minutes


def periods_ago(task: str, periods: float):
    every = next(p.every for p in health.periodic_tasks() if p.task == task)
    return timezone.now() - periods * every


def all_ran_just_now():
    for periodic in health.periodic_tasks():
        health.record_run(periodic.task, "SUCCESS")


def test_every_periodic_task_is_watched_from_the_migrate_that_deployed_it():
    # post_migrate (after the test database was migrated or flushed) wrote a row for each, not yet run.
    rows = TickRun.objects.in_bulk()
    assert set(rows) == {p.task for p in health.periodic_tasks()}
    assert all(row.last_run_at is None for row in rows.values())


def test_just_deployed_tick_that_has_not_run_yet_is_not_stale(client):
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert body["ticks"]["access"]["state"] == "not run yet"
    assert body["ticks"]["access"]["every_seconds"] == 300


def test_tick_with_no_success_in_three_periods_answers_503_naming_it(client):
    all_ran_just_now()
    TickRun.objects.filter(name=ACCESS_TICK).update(last_ok_at=periods_ago(ACCESS_TICK, 3.2))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["tick:access"]
    assert response.json()["ticks"]["access"]["state"] == "stale"
    assert response.json()["ticks"]["risk"]["state"] == "ok"


def test_tick_late_by_less_than_three_periods_is_still_healthy(client):
    all_ran_just_now()
    TickRun.objects.filter(name=ACCESS_TICK).update(last_ok_at=periods_ago(ACCESS_TICK, 2.5))
    assert client.get(reverse("healthz")).status_code == 200


def test_tick_deployed_long_ago_that_never_ran_is_stale(client):
    """No beat or no worker since the deploy: nothing ever ran."""
    TickRun.objects.update(watched_since=periods_ago(ACCESS_TICK, 10))
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert "tick:access" in response.json()["failed"]
    assert response.json()["ticks"]["access"]["last_ok"] is None


def test_a_failed_run_keeps_the_last_success_and_goes_stale_only_when_that_is_old(client):
    all_ran_just_now()
    health.record_run(ACCESS_TICK, "FAILURE")
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert body["ticks"]["access"]["state"] == "last run failed"
    assert body["ticks"]["access"]["last_ok"] is not None

    TickRun.objects.filter(name=ACCESS_TICK).update(last_ok_at=periods_ago(ACCESS_TICK, 4))
    health.record_run(ACCESS_TICK, "FAILURE")
    assert client.get(reverse("healthz")).json()["failed"] == ["tick:access"]


def _email(due_seconds_ago: float, status=OutboxStatus.PENDING, n=1):
    due = timezone.now() - timedelta(seconds=due_seconds_ago)
    return OutboxEmail.objects.create(
        dedup_key=f"health-{due_seconds_ago}-{status}-{n}",
        to="a@example.com",
        subject="s",
        body="b",
        status=status,
        next_attempt_at=due,
    )


def test_email_waiting_longer_than_three_sweeps_is_a_stuck_outbox(client):
    all_ran_just_now()
    _email(3 * OUTBOX_SWEEP_SECONDS + 30)
    _email(5)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["outbox"]
    assert response.json()["outbox"]["state"] == "stuck"
    assert response.json()["outbox"]["oldest_due_seconds"] >= 3 * OUTBOX_SWEEP_SECONDS + 30


def test_recent_due_emails_and_sent_or_failed_ones_do_not_make_the_outbox_stuck(client):
    all_ran_just_now()
    _email(30)
    _email(3600, status=OutboxStatus.SENT)
    _email(3600, status=OutboxStatus.FAILED)
    _email(-3600)  # a retry scheduled in an hour
    body = client.get(reverse("healthz")).json()
    assert body["status"] == "ok"
    assert body["outbox"]["state"] == "ok"
    assert 25 <= body["outbox"]["oldest_due_seconds"] <= 120


@pytest.mark.parametrize("emails", [1, 40])
def test_healthz_runs_the_same_queries_whatever_the_outbox_holds(client, emails, django_assert_num_queries):
    all_ran_just_now()
    for n in range(emails):
        _email(10, n=n)
    # SELECT 1; the periodic tasks' rows; the oldest due email.
    with django_assert_num_queries(3):
        assert client.get(reverse("healthz")).status_code == 200
