"""The fault tests' deployment: for each test a redis-server of its own, an SMTP server, and the worker and
beat processes deploy/'s systemd units start, on this test's PostgreSQL database (the one pytest-django made
for this process: the processes get its name). Ticks run fifty times as often (``DPMS_TICK_SCALE``) and the
task time limits are short, so that what production does in minutes happens here in seconds."""

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from dpms import enqueue
from dpms.celery import app as celery_app
from tests.conftest import _missing
from tests.faults.support import Process, Redis, SmtpSink, unit_command

TICK_SCALE = 0.02  # the access tick every 6 s, the incidents tick every 1.2 s, the outbox sweep every 2.4 s
TIME_LIMIT = 30  # seconds: a claim on an email, or a launch, is taken over after twice that
WORKER_APP_NAME = "dpms-fault-worker"  # the workers' PostgreSQL application_name (PGAPPNAME)


def database_url() -> str:
    s = connection.settings_dict
    credentials = quote(s["USER"] or "", safe="") + (
        f":{quote(s['PASSWORD'], safe='')}" if s["PASSWORD"] else ""
    )
    return f"postgres://{credentials}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


class Deployment:
    """What the test started: ``redis``, ``smtp``, and the workers and beats it asks for."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.redis = Redis(folder)
        self.smtp = SmtpSink()
        self.processes: list[Process] = []
        (folder / "empty.env").write_text("")

    def env(self, **extra) -> dict:
        base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TZ") if key in os.environ}
        return {
            **base,
            "DPMS_ENV_FILE": str(self.folder / "empty.env"),  # not the checkout's development .env
            "DEBUG": "false",
            "SECRET_KEY": f"fault-test-{uuid.uuid4().hex}{uuid.uuid4().hex}",
            "ALLOWED_HOSTS": "127.0.0.1",
            "DATABASE_URL": database_url(),
            "REDIS_URL": self.redis.url,
            "EMAIL_URL": self.smtp.url,
            "DPMS_DATA_DIR": str(self.folder / "data"),
            "DPMS_TICK_SCALE": str(TICK_SCALE),
            "CELERY_TASK_SOFT_TIME_LIMIT": str(TIME_LIMIT - 10),
            "CELERY_TASK_TIME_LIMIT": str(TIME_LIMIT),
            "PYTHONUNBUFFERED": "1",
            **extra,
        }

    def worker(self, name: str = "1", *, concurrency: int = 2) -> Process:
        """``dpms-worker@<name>.service``."""
        env = self.env(DPMS_WORKER_CONCURRENCY=str(concurrency), PGAPPNAME=WORKER_APP_NAME)
        return self._start(unit_command("dpms-worker@.service", name), env, f"worker-{name}")

    def beat(self, name: str = "1") -> Process:
        """``dpms-beat.service``; each beat keeps its schedule file in a data folder of its own."""
        env = self.env(DPMS_DATA_DIR=str(self.folder / f"beat-{name}"))
        return self._start(unit_command("dpms-beat.service"), env, f"beat-{name}")

    def publish_from_here(self, monkeypatch) -> None:
        """This test process's Celery app (a request of the test client) publishes to this deployment's
        Redis, on the queue the workers read, with fresh connection pools."""
        monkeypatch.setitem(celery_app.conf, "broker_url", self.redis.url)
        monkeypatch.setitem(celery_app.conf, "task_default_queue", "celery")
        monkeypatch.setattr(celery_app, "_pool", None)
        monkeypatch.setattr(celery_app.amqp, "_producer_pool", None)
        monkeypatch.setattr(enqueue, "_paused_until", 0.0)

    def _start(self, command: list[str], env: dict, label: str) -> Process:
        process = Process(command, env=env, log=self.folder / f"{label}.log")
        self.processes.append(process)
        return process

    def stop(self) -> None:
        for process in self.processes:
            process.stop()
        self.redis.stop()
        self.smtp.close()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name} (pid {p.pid})\n{p.output()[-6000:]}" for p in self.processes)


@pytest.fixture
def deployment(transactional_db, tmp_path):
    """A deployment of this test's own; stopped, process by process, when the test ends. The processes'
    logs are printed, so a failed test shows them."""
    if connection.vendor != "postgresql":
        _missing("PostgreSQL", "the worker and beat run as processes of their own on the test's database")
    if not shutil.which("redis-server"):
        _missing(
            "redis-server",
            "the fault tests start and stop a Redis of their own; apt-get install redis-server",
        )
    deployed = Deployment(tmp_path)
    try:
        yield deployed
    finally:
        deployed.stop()
        print(deployed.logs())
