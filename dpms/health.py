"""What the portal knows of its own health, for /healthz (monitoring), /healthz/web (load balancers) and the
officers' health page and dashboard panel.

- The database and the broker answer (one short attempt each: a dead or hung broker cannot hang the probe).
- Every periodic task beat sends (each app's tick, the outbox sweep, ...; ``dpms.celery.beat_schedule``)
  succeeded within 3 of its periods. The worker records each run as it ends (``record_run``, from Celery's
  ``task_postrun`` signal); a tick that fails every time, or that no worker runs (beat or every worker
  down), goes stale. A tick never run is measured from when it was deployed: ``watch_ticks`` writes its row
  after every ``migrate``.
- The outbox is not stuck: no email has been due for longer than 3 sweep periods without being sent.

Everything reported is safe to publish: names, times and counts, never hosts, URLs or error texts.
"""

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from celery.signals import task_postrun
from django.apps import apps as django_apps
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.translation import gettext_lazy, ngettext

log = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 2
STALE_AFTER_PERIODS = 3


def _duration(span: timedelta) -> str:
    """A period as the health page writes it, in the reader's language ("5 minutes", "1 Tag")."""
    seconds = int(span.total_seconds())
    if seconds >= 86400 and seconds % 86400 == 0:
        count = seconds // 86400
        return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}
    if seconds >= 3600 and seconds % 3600 == 0:
        count = seconds // 3600
        return ngettext("%(count)s hour", "%(count)s hours", count) % {"count": count}
    if seconds >= 60 and seconds % 60 == 0:
        count = seconds // 60
        return ngettext("%(count)s minute", "%(count)s minutes", count) % {"count": count}
    return ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}


@dataclass(frozen=True)
class Periodic:
    """One periodic task beat sends: ``label`` names it in reports (the app's name for an app's tick)."""

    task: str
    label: str
    every: timedelta
    title: str = ""  # how the health page names it: the app's menu name, in the reader's language


@dataclass(frozen=True)
class TickHealth:
    label: str  # the name /healthz reports it by
    title: str  # the name the health page shows
    every: timedelta
    last_run_at: datetime | None
    last_ok_at: datetime | None
    last_state: str
    stale: bool

    @property
    def every_text(self) -> str:
        return _duration(self.every)

    @property
    def stale_after_text(self) -> str:
        return _duration(STALE_AFTER_PERIODS * self.every)

    @property
    def state(self) -> str:
        if self.stale:
            return "stale"
        if self.last_run_at is None:
            return "not run yet"
        return "ok" if self.last_state == "SUCCESS" else "last run failed"

    @property
    def state_text(self) -> str:
        """``state`` as the health page says it (``state`` itself is /healthz's, which stays as it is)."""
        return str(
            {
                "stale": gettext_lazy("stale"),
                "not run yet": gettext_lazy("not run yet"),
                "ok": gettext_lazy("ok"),
                "last run failed": gettext_lazy("last run failed"),
            }[self.state]
        )


@dataclass(frozen=True)
class OutboxHealth:
    oldest_due: datetime | None  # when the longest-waiting pending email fell due
    stuck_after: timedelta
    now: datetime

    @property
    def waiting(self) -> timedelta:
        return self.now - self.oldest_due if self.oldest_due else timedelta(0)

    @property
    def stuck(self) -> bool:
        return self.waiting > self.stuck_after


@dataclass(frozen=True)
class Report:
    database: bool
    broker: bool
    ticks: list[TickHealth]
    outbox: OutboxHealth | None  # None when the database does not answer

    @property
    def failed(self) -> list[str]:
        """What is wrong, by name: ``database``, ``broker``, ``tick:<label>``, ``outbox``."""
        names = [name for name, ok in (("database", self.database), ("broker", self.broker)) if not ok]
        names += [f"tick:{tick.label}" for tick in self.ticks if tick.stale]
        if self.outbox is not None and self.outbox.stuck:
            names.append("outbox")
        return names

    @property
    def ok(self) -> bool:
        return not self.failed

    def as_json(self) -> dict:
        def when(moment):
            return moment.isoformat() if moment else None

        body: dict = {"status": "ok" if self.ok else "unhealthy"}
        if not self.ok:
            body["failed"] = self.failed
        body["database"] = "ok" if self.database else "failed"
        body["broker"] = "ok" if self.broker else "failed"
        if self.database:
            body["ticks"] = {
                tick.label: {
                    "state": tick.state,
                    "every_seconds": int(tick.every.total_seconds()),
                    "last_run": when(tick.last_run_at),
                    "last_ok": when(tick.last_ok_at),
                }
                for tick in self.ticks
            }
        if self.outbox is not None:
            body["outbox"] = {
                "state": "stuck" if self.outbox.stuck else "ok",
                "oldest_due_seconds": int(self.outbox.waiting.total_seconds()),
            }
        return body


def periodic_tasks() -> list[Periodic]:
    """Every periodic task beat sends, as ``dpms.celery.beat_schedule`` lists it."""
    from dpms import portal
    from dpms.celery import beat_schedule

    app_of_task = {app.tick.name: app for app in portal.apps() if app.tick}
    return [
        Periodic(
            task=entry["task"],
            label=app.name if (app := app_of_task.get(entry["task"])) else key,
            every=timedelta(seconds=float(entry["schedule"])),
            title=str(app.nav.label) if app is not None and app.nav else "",
        )
        for key, entry in beat_schedule().items()
    ]


@cache
def watched_task_names() -> frozenset[str]:
    return frozenset(periodic.task for periodic in periodic_tasks())


# --- Written by the worker and by migrate ------------------------------------------------------------------
def record_run(task_name: str, state: str, *, now: datetime | None = None) -> None:
    """Record that a run of the periodic task ``task_name`` ended in ``state`` (Celery's: SUCCESS, FAILURE,
    RETRY ...). One upsert; a failure keeps the last success."""
    from dpms.models import TickRun

    now = now or timezone.now()
    ok = state == "SUCCESS"
    run = TickRun(name=task_name, watched_since=now, last_run_at=now, last_ok_at=now if ok else None)
    run.last_state = state
    fields = ["last_run_at", "last_state", *(["last_ok_at"] if ok else [])]
    TickRun.objects.bulk_create([run], update_conflicts=True, unique_fields=["name"], update_fields=fields)


@task_postrun.connect
def _record_periodic_run(task=None, state=None, **kwargs):
    """Celery's signal, in the worker, as each task ends (connected when ``DpmsConfig.ready`` imports this
    module): the runs of periodic tasks are recorded."""
    if task is None or task.name not in watched_task_names():
        return
    try:
        record_run(task.name, state or "")
    except Exception:  # noqa: BLE001 - the run itself is done; a lost record shows as a late tick, no worse
        log.exception("Could not record the run of %s for the health check", task.name)


def watch_ticks(*, apps=None, using="default", **kwargs) -> None:
    """After ``migrate`` (``post_migrate``): a row for every periodic task that has none, watched from now.
    Through the migrated state's model: nothing to do while the database is migrated back before it."""
    try:
        TickRun = (apps or django_apps).get_model("dpms", "TickRun")
    except LookupError:
        return
    rows = [TickRun(name=name, watched_since=timezone.now()) for name in watched_task_names()]
    TickRun.objects.using(using).bulk_create(rows, ignore_conflicts=True)


# --- Read ---------------------------------------------------------------------------------------------------
def database_answers() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # noqa: BLE001 - any database error means unhealthy
        return False


def broker_answers() -> bool:
    """One connection attempt with short socket timeouts."""
    from dpms.celery import app

    limit = HEALTH_TIMEOUT_SECONDS
    timeouts = {"socket_connect_timeout": limit, "socket_timeout": limit}
    try:
        with app.connection_for_write(connect_timeout=limit, transport_options=timeouts) as conn:
            conn.ensure_connection(max_retries=0, timeout=limit)
            conn.default_channel  # noqa: B018 - opening a channel is what talks to the broker (Redis: PING)
        return True
    except Exception:  # noqa: BLE001 - any broker error means unhealthy
        return False


def tick_health(now: datetime) -> list[TickHealth]:
    """Each periodic task's last run and whether it is stale. One query."""
    from dpms.models import TickRun

    periodic = periodic_tasks()
    runs = TickRun.objects.in_bulk([p.task for p in periodic])
    report = []
    for p in periodic:
        run = runs.get(p.task)
        since = (run.last_ok_at or run.watched_since) if run else None
        stale = since is not None and now - since > STALE_AFTER_PERIODS * p.every
        report.append(
            TickHealth(
                label=p.label,
                title=p.title or p.label,
                every=p.every,
                last_run_at=run.last_run_at if run else None,
                last_ok_at=run.last_ok_at if run else None,
                last_state=run.last_state if run else "",
                stale=stale,
            )
        )
    return report


def outbox_health(now: datetime) -> OutboxHealth:
    """When the longest-waiting due email fell due. One query, on the (status, next_attempt_at) index."""
    from dpms.celery import OUTBOX_SWEEP_SECONDS
    from dpms.models import OutboxEmail, OutboxStatus

    oldest = (
        OutboxEmail.objects.filter(status=OutboxStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    stuck_after = timedelta(seconds=STALE_AFTER_PERIODS * OUTBOX_SWEEP_SECONDS)
    return OutboxHealth(oldest_due=oldest, stuck_after=stuck_after, now=now)


def report(*, check_database: bool = True) -> Report:
    """The whole report. ``check_database=False`` where a page has just read the database anyway."""
    now = timezone.now()
    database = database_answers() if check_database else True
    broker = broker_answers()
    ticks: list[TickHealth] = []
    outbox = None
    if database:
        try:
            ticks = tick_health(now)
            outbox = outbox_health(now)
        except DatabaseError:
            log.exception("Health: the database answered but the health tables could not be read")
            database = False
    return Report(database=database, broker=broker, ticks=ticks, outbox=outbox)
