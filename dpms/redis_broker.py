"""The Redis broker transport, with one repair: a channel whose connection is already released reports a
connection error, which Celery rides out, instead of an AttributeError, which stops the worker.

When Redis vanishes while a task runs, Celery 5.7's consumer collects the broken connection (its transport
is released: ``connection.client`` is None) and then closes it. Closing a channel that still holds an
unacknowledged message restores the message, which asks ``_connparams`` for a new pool; so does acknowledging
the task once it finishes. Stock kombu 5.7 then raises ``AttributeError: 'NoneType' object has no attribute
'hostname'``, which neither ``ignore_errors`` nor ``ack_log_error`` catches, and the worker exits (seen in
tests/faults/test_broker_outage.py). As a connection error the close is ignored and the ack is logged; the
message, still unacknowledged in Redis, is delivered again after the visibility timeout, and every task is
idempotent. Registered for ``redis://`` and ``rediss://`` by dpms/celery.py."""

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError

PATH = "dpms.redis_broker:Transport"
SCHEMES = ("redis", "rediss")


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous=False):
        connection = self.connection
        if connection is None or connection.client is None:
            raise RedisConnectionError("the broker connection was already released")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
