"""/healthz for monitoring: public, 200 when the database and the broker answer (and the periodic tasks and
the outbox are on time: tests/dpms/test_health_ticks.py), else 503 naming what failed, and never hanging on
a broker that does not answer. /healthz/web for load balancers asks only the database."""

import socket
import threading
from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.urls import reverse

from dpms.celery import app

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_at(monkeypatch):
    def point_broker_to(url):
        monkeypatch.setattr(app.conf, "broker_url", url)

    return point_broker_to


@pytest.fixture
def database_down():
    with mock.patch.object(connection, "cursor", side_effect=OperationalError("could not connect to server")):
        yield


def test_healthy_portal_answers_ok_without_sign_in(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["broker"]) == ("ok", "ok", "ok")
    assert "failed" not in body
    assert body["outbox"] == {"state": "ok", "oldest_due_seconds": 0}
    assert set(body["ticks"]) >= {"access", "risk", "incidents", "outbox-sweep"}


def test_load_balancer_head_request_is_answered(client):
    assert client.head(reverse("healthz")).status_code == 200


def test_unreachable_broker_gives_503_naming_the_broker_and_no_secret(client, broker_at):
    broker_at("redis://:hunter2-broker-secret@127.0.0.1:1/0")
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["failed"] == ["broker"]
    assert response.json()["broker"] == "failed"
    assert b"hunter2" not in response.content
    assert b"127.0.0.1" not in response.content


def test_broker_that_accepts_but_never_answers_gives_503_instead_of_hanging(client, broker_at):
    silent = socket.create_server(("127.0.0.1", 0))  # accepts connections, never replies
    broker_at(f"redis://127.0.0.1:{silent.getsockname()[1]}/0")
    answers = []

    def ask():
        try:
            answers.append(client.get(reverse("healthz")))
        finally:
            connection.close()  # this thread's own connection, so the test database can be dropped

    probe = threading.Thread(target=ask, daemon=True)
    with silent:
        probe.start()
        probe.join(20)  # a bounded wait: the probe's own timeouts are a few seconds
    assert not probe.is_alive(), "/healthz hung on a silent broker"
    assert answers[0].status_code == 503
    assert answers[0].json()["failed"] == ["broker"]


def test_database_failure_gives_503_naming_the_database(client, database_down):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    body = {"status": "unhealthy", "failed": ["database"], "database": "failed", "broker": "ok"}
    assert response.json() == body
    assert b"could not connect" not in response.content


def test_both_failing_are_both_named(client, database_down, broker_at):
    broker_at("redis://127.0.0.1:1/0")
    assert client.get(reverse("healthz")).json()["failed"] == ["database", "broker"]


def test_load_balancer_probe_stays_up_while_the_broker_is_down(client, broker_at):
    """A dead broker stops reminders, not pages: the web nodes stay in rotation."""
    broker_at("redis://127.0.0.1:1/0")
    response = client.get(reverse("healthz_web"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.head(reverse("healthz_web")).status_code == 200


def test_load_balancer_probe_fails_without_the_database(client, database_down):
    response = client.get(reverse("healthz_web"))
    assert response.status_code == 503
    assert response.json() == {"status": "unhealthy", "failed": ["database"]}
