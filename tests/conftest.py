"""Personas, a real Celery worker, and helpers shared by all tests."""

import os
import uuid
from dataclasses import dataclass
from importlib import import_module
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db.models.signals import post_migrate
from django.test.testcases import QuietWSGIRequestHandler

from dpms.celery import app as celery_app
from tests import audit_guard, broker, mfa_support
from tests.caching import check_every_signed_in_response
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory

# The live test server (browser journeys, the SCIM checker) answers on kept-alive connections in small writes:
# with Nagle's algorithm on, each answer waited for the client's delayed acknowledgement, 40 ms a request.
QuietWSGIRequestHandler.disable_nagle_algorithm = True

# A test client's force_login is a person fully signed in, their second factor included (the gate in
# dpms/mfa.py holds privileged people whose session shows none); tests/mfa_support.py tests without it.
mfa_support.force_login_with_second_factor()

# Each task closes its database connection, so a test database can be dropped at the end of the run.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


# On Redis the tests' cache keys get a prefix of their own, so clearing them never touches the broker's
# queues (same Redis database) or anything else stored there.
if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
    settings.CACHES["default"]["KEY_PREFIX"] = f"dpms-test-{uuid.uuid4().hex[:8]}"


def _clear_cache():
    if settings.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        client = cache._cache.get_client(write=True)
        keys = list(client.scan_iter(match=f"{settings.CACHES['default']['KEY_PREFIX']}:*", count=1000))
        if keys:
            client.delete(*keys)
    else:
        cache.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits live in the cache: every test starts without anyone's earlier failures."""
    _clear_cache()
    yield
    _clear_cache()


@pytest.fixture(autouse=True)
def _english_to_start():
    """Every test starts in the installation's language, and leaves it so: a German request or
    ``translation.override`` left active on the thread would turn the next test's texts German."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _broker_not_paused(monkeypatch):
    """A publish that failed (a broker made unreachable on purpose) pauses this process's publishing for a
    few seconds (``dpms.enqueue``); every test starts without such a pause."""
    from dpms import enqueue

    monkeypatch.setattr(enqueue, "_paused_until", 0.0)


def _put_back_migration_rows(sender, **kwargs):
    """A transactional test ends by emptying every table, and Django then sends only ``post_migrate``
    (content types, permissions), not the data migrations. Put back the rows those migrations made (the
    portal-role groups, the audit chain head, the default risk categories, the remediation policy), so every
    test finds the database as migrated, in whatever order pytest-xdist runs the tests of a worker."""
    from django.apps import apps

    if sender.label == "dpms":
        import_module("dpms.migrations.0002_roles_and_audit_guard").create_roles(apps, None)
    elif sender.label == "risk":
        import_module("risk.migrations.0005_default_categories").add_defaults(apps, None)
    elif sender.label == "vulnerabilities":
        import_module("vulnerabilities.migrations.0001_vulnerabilities").create_policy(apps, None)


post_migrate.connect(_put_back_migration_rows, dispatch_uid="tests-put-back-migration-rows")
# The flush after a transactional test empties the audit trail past its guard (tests/audit_guard.py).
audit_guard.flush_past_the_audit_guard()


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The risk app's data migration installs the shipped matrices (one active). Tests start without them,
    as they are after a transactional test's flush, so no test depends on the order tests run in; tests
    build the matrices they need (``tests.risk.factories``, or ``risk.services.matrices.install_presets``)."""
    with django_db_blocker.unblock():
        from risk.models import RiskMatrix

        RiskMatrix.objects.all().delete()


@pytest.fixture
def password():
    return TEST_PASSWORD


@pytest.fixture
def team(db):
    return TeamFactory(name="Finance")


@pytest.fixture
def manager(db, team):
    """A manager with two reports (manager is derived from having reports)."""
    return UserFactory(email="mona.manager@example.com", full_name="Mona Manager", team=team)


@pytest.fixture
def staff(db, team, manager):
    """An ordinary member of staff, reporting to the manager."""
    return UserFactory(email="sam.staff@example.com", full_name="Sam Staff", team=team, manager=manager)


@pytest.fixture
def second_report(db, team, manager):
    return UserFactory(email="rita.report@example.com", full_name="Rita Report", team=team, manager=manager)


@pytest.fixture
def security_officer(db):
    return UserFactory(email="olga.officer@example.com", full_name="Olga Officer", roles=["security officer"])


@pytest.fixture
def auditor(db):
    return UserFactory(email="audrey.auditor@example.com", full_name="Audrey Auditor", roles=["auditor"])


@pytest.fixture
def admin_user(db):
    return UserFactory(email="adam.admin@example.com", full_name="Adam Admin", roles=["admin"])


@pytest.fixture
def outsider(db):
    """Staff in another team, with no relation to anyone in the tests."""
    return UserFactory(
        email="otto.outsider@example.com", full_name="Otto Outsider", team=TeamFactory(name="Sales")
    )


@pytest.fixture
def personas(staff, second_report, manager, security_officer, auditor, admin_user, outsider):
    return {
        "staff": staff,
        "manager": manager,
        "security_officer": security_officer,
        "auditor": auditor,
        "admin": admin_user,
        "outsider": outsider,
    }


@pytest.fixture
def client_for(client):
    """``client_for(user)``: the test client signed in as ``user`` (through the real session machinery).

    Every response it then receives is checked for ``Cache-Control: no-store`` (tests/caching.py): no page a
    test fetches as a persona may be kept by a browser or a proxy.
    """

    def sign_in(user):
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return check_every_signed_in_response(client)

    return sign_in


# Every task the tests enqueue goes to a queue of this session's own (set before anything is enqueued), so a
# `make run` worker sharing the broker never takes a test's task, and no test worker takes someone else's.
TEST_QUEUE = f"dpms-test-{uuid.uuid4().hex[:8]}"
celery_app.conf.task_default_queue = TEST_QUEUE
# The same broker, polled more often, and a worker that stops within one poll; a folder per xdist worker.
broker.configure(celery_app, worker=os.environ.get("PYTEST_XDIST_WORKER", ""))


@pytest.fixture
def celery_worker(transactional_db):
    """A real Celery worker in a thread for this test, on the configured broker (Redis when REDIS_URL is set,
    else kombu's filesystem transport). Never eager. Tasks see committed data only (transactional_db), and
    they share this process, so Django's locmem ``mail.outbox`` shows what they sent.

    Started per test, not per module or session: a longer-lived worker would also run tasks that other tests
    commit, or ones left running or waiting (a retry's countdown) when a test ends, sending into the next
    test's ``mail.outbox`` mid-test, and would need database access unblocked between tests. Starting and
    stopping one costs about 10 ms on the filesystem and 0.1 s on Redis (tests/broker.py), so sharing it
    would save next to nothing. Messages left in the queue by earlier tests are purged first; their rows are
    gone anyway.
    """
    from celery.contrib.testing.worker import start_worker

    with celery_app.connection_for_write() as conn:
        conn.default_channel.queue_purge(TEST_QUEUE)
    options = {"pool": "solo", "concurrency": 1, "perform_ping_check": False, "shutdown_timeout": 30}
    with start_worker(celery_app, queues=[TEST_QUEUE], **options) as worker:
        yield worker


def _missing(what: str, why: str):
    """Skip when a real service is missing here; fail in CI (DPMS_REQUIRE_SERVICES=1), where it must run."""
    import os

    message = f"needs {what}: {why}"
    if os.environ.get("DPMS_REQUIRE_SERVICES"):
        pytest.fail(f"{message} (DPMS_REQUIRE_SERVICES is set, so this must not be skipped)")
    pytest.skip(message)


@pytest.fixture
def requires_postgres():
    """For tests of real PostgreSQL behaviour (row locks, concurrency, triggers)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        _missing("PostgreSQL", "SQLite has no row locks or triggers of this kind; set DATABASE_URL to run it")


@pytest.fixture
def requires_redis():
    if not settings.REDIS_URL:
        _missing("Redis", "set REDIS_URL to run it against a real Redis")


# --- The demo organisation, seeded once per test module --------------------------------------------------
DEMO_SITE_URL = "http://demo.test:8000"


@dataclass
class Demo:
    """What ``seed_demo`` left: the output of its first run and the data folder holding the demo password."""

    data_dir: Path
    output: str = ""

    def seed(self, *args: str) -> str:
        """Run ``manage.py seed_demo`` (again); returns what it printed."""
        from django.core.management import call_command

        out, err = StringIO(), StringIO()
        call_command("seed_demo", *args, stdout=out, stderr=err)
        return out.getvalue() + err.getvalue()

    @property
    def password(self) -> str:
        return (self.data_dir / "demo-password.txt").read_text().strip()


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker, tmp_path_factory):
    """``seed_demo`` once for a whole test module (it takes about two seconds), inside a transaction that is
    rolled back when the module is done; each test's own transaction is a savepoint inside it, so whatever a
    test changes is undone before the next test, which sees the demo exactly as seeded.

    Every test in a module that uses ``demo`` sees the seeded organisation (the module's transaction stays
    open), so tests that need an empty database live in modules of their own."""
    from django.db import transaction
    from django.test.utils import override_settings

    data_dir = tmp_path_factory.mktemp("demo")
    with (
        django_db_blocker.unblock(),
        override_settings(DEBUG=True, DATA_DIR=data_dir, SITE_URL=DEMO_SITE_URL),
        transaction.atomic(),
    ):
        demo = Demo(data_dir=data_dir)
        demo.output = demo.seed()
        yield demo
        transaction.set_rollback(True)


@pytest.fixture
def demo(_demo_module, db):
    """The demo organisation (see ``_demo_module``). Files a test changes in the data folder (the demo
    password) are put back afterwards, as the database is."""
    folder = _demo_module.data_dir
    kept = {path: (path.read_bytes(), path.stat().st_mode) for path in folder.iterdir() if path.is_file()}
    yield _demo_module
    for path in folder.iterdir():
        if path.is_file() and path not in kept:
            path.unlink()
    for path, (content, mode) in kept.items():
        path.write_bytes(content)
        os.chmod(path, mode)
