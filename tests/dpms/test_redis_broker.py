"""A worker outlives Redis vanishing mid-task (dpms/redis_broker.py): on a connection Celery has already
released, closing a channel that holds an unacknowledged task, and acknowledging the task when it ends, are
connection errors Celery rides out, not an AttributeError that stops the worker.

The released state is set up by hand (transport released, channel pool dropped), as Celery 5.7's consumer
leaves it after ``collect()`` when Redis is gone; tests/faults/test_broker_outage.py meets it for real, by
chance of timing."""

import logging
import uuid

import pytest
from django.conf import settings
from kombu import Connection, Exchange, Queue
from kombu.transport import redis as kombu_redis

from dpms import redis_broker
from dpms.celery import app

pytestmark = pytest.mark.usefixtures("requires_redis")


def _unacked_message(transport=None):
    name = f"dpms-test-{uuid.uuid4().hex}"
    queue = Queue(name, Exchange(name), name, auto_delete=True)
    with Connection(settings.REDIS_URL) as publisher:
        publisher.Producer().publish({}, exchange=queue.exchange, routing_key=name, declare=[queue])
    connection = Connection(settings.REDIS_URL, transport=transport)
    received = []
    connection.Consumer(queue, callbacks=[lambda body, message: received.append(message)]).consume()
    connection.drain_events(timeout=5)
    (message,) = received
    return connection, message


def _release(connection, message):
    # What Celery's consumer leaves behind after collect() on a lost broker: the transport no longer knows
    # its connection, and the channel's pools were disconnected.
    message.channel._pool = None
    connection.transport.client = None


def test_the_app_talks_to_redis_through_the_repaired_transport():
    with app.connection_for_write("redis://127.0.0.1:6379/0") as connection:
        assert isinstance(connection.transport, redis_broker.Transport)
    with Connection("rediss://127.0.0.1:6379/0") as connection:
        assert isinstance(connection.transport, redis_broker.Transport)


def test_closing_and_acking_on_a_released_connection_are_connection_errors(caplog):
    connection, message = _unacked_message()
    _release(connection, message)
    errors = connection.connection_errors + connection.channel_errors

    with pytest.raises(errors):
        message.channel.close()
    with caplog.at_level(logging.CRITICAL):
        message.ack_log_error(logging.getLogger("test"), errors)  # logged, not raised
    assert "Couldn't ack" in caplog.text


def test_stock_kombu_still_stops_the_worker_there():
    """When this fails, kombu fixed it upstream: dpms/redis_broker.py can go."""
    connection, message = _unacked_message(transport=kombu_redis.Transport)
    _release(connection, message)
    with pytest.raises(AttributeError, match="hostname"):
        message.channel.close()
