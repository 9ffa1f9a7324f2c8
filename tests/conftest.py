"""Personas, a real Celery worker, and helpers shared by all tests."""

import uuid

import pytest
from django.conf import settings
from django.core.cache import cache

from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory

# Each task closes its database connection, so a test database can be dropped at the end of the run.
settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits live in the cache: every test starts without anyone's earlier failures."""
    cache.clear()
    yield
    cache.clear()


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
    return UserFactory(email="otto.outsider@example.com", full_name="Otto Outsider", team=TeamFactory(name="Sales"))


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
    """``client_for(user)``: the test client signed in as ``user`` (through the real session machinery)."""

    def sign_in(user):
        client.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
        return client

    return sign_in


@pytest.fixture(scope="session")
def celery_session_worker(django_db_blocker):
    """A real Celery worker in a thread, on the configured broker (Redis when REDIS_URL is set, else kombu's
    filesystem transport), on a queue of its own so no other worker steals the tests' tasks. Never eager."""
    from celery.contrib.testing.worker import start_worker

    from dpms.celery import app

    queue = f"dpms-test-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = queue
    app.conf.task_always_eager = False
    with django_db_blocker.unblock(), start_worker(
        app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue], shutdown_timeout=30
    ) as worker:
        yield worker


@pytest.fixture
def celery_worker(celery_session_worker, transactional_db):
    """Use in tests whose tasks must see committed data: the worker has its own database connection."""
    return celery_session_worker


def _missing(what: str, why: str):
    """Skip when a real service is missing locally; fail in CI (DPMS_REQUIRE_SERVICES=1), where it must run."""
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
