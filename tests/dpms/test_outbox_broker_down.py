"""With the broker down, a request that writes emails is not held up by it: one connection attempt, not one
(or four) per email, and the emails wait in the outbox for the sweep. Each email used to cost its request
0.6 s of publish retries (a hundred took a minute)."""

import socket
import threading

import pytest
from django.urls import reverse

from dpms import enqueue
from dpms.celery import app
from dpms.models import OutboxEmail, OutboxStatus
from incidents.models import Incident
from tests.factories import UserFactory
from tests.incidents.reporting_support import attachments_dir_fixture, filled  # noqa: F401 - fixture

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("attachments_dir")]


@pytest.fixture
def broker_down(monkeypatch):
    """The app's broker is an address that takes each connection and closes it at once, as a Redis that is
    going down does; returns the list of connections it took."""
    listener = socket.create_server(("127.0.0.1", 0))
    taken: list[int] = []

    def take():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the listener was closed: the test is over
            taken.append(1)
            conn.close()

    threading.Thread(target=take, daemon=True).start()
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
    # The app's connection and producer pools are made from the URL at first use: new ones for this address.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    with listener:
        yield taken


def test_reporting_an_incident_to_a_hundred_officers_tries_the_dead_broker_once(
    client_for, staff, broker_down, django_capture_on_commit_callbacks
):
    officers = UserFactory.create_batch(100, roles=["security officer"])

    with django_capture_on_commit_callbacks(execute=True) as after_commit:
        response = client_for(staff).post(reverse("incidents:report"), filled())

    assert response.status_code == 302
    incident = Incident.objects.get()
    emails = OutboxEmail.objects.filter(subject__startswith=f"New incident {incident.reference}")
    assert emails.count() == 100
    assert set(emails.values_list("to", flat=True)) == {officer.email for officer in officers}
    assert set(emails.values_list("status", flat=True)) == {OutboxStatus.PENDING}  # the sweep sends them
    assert len(after_commit) >= 100  # each email's enqueue ran after the commit
    assert len(broker_down) == 1, f"the request tried the broker {len(broker_down)} times"


def test_the_broker_is_tried_again_once_the_pause_is_over(broker_down, monkeypatch):
    assert enqueue.enqueue("dpms.tasks.send_outbox_email", [1]) is False
    assert enqueue.enqueue("dpms.tasks.send_outbox_email", [2]) is False
    assert len(broker_down) == 1
    monkeypatch.setattr(enqueue, "_paused_until", 0.0)  # PAUSE_AFTER_FAILURE has passed
    assert enqueue.enqueue("dpms.tasks.send_outbox_email", [3]) is False
    assert len(broker_down) == 2
