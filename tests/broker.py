"""The tests' broker settings: the configured broker, polled often, with a test worker that stops promptly.

A Celery worker on the filesystem transport (dpms/filesystem_broker.py) runs
``celery.worker.loops.synloop``, which checks for shutdown between calls of
``connection.drain_events(timeout=2.0)``, and makes one more such call after the shutdown flag is seen
(``try: state.maybe_shutdown() finally: _loop_cycle()``). kombu's virtual transport polls until that
timeout when the queue is empty, so stopping an idle worker took 4 seconds.
``FilesystemTransport`` is that same transport, except that its ``drain_events`` gives up as soon as the
worker has been told to stop. Messages are still files in the broker folder, read by the real transport code.

On Redis the worker's ``BRPOP`` waits ``brpop_timeout`` (1 second) and closing the channel waits for it to
return, so a smaller ``polling_interval`` (which kombu's Redis transport uses as ``brpop_timeout``) cuts
the stop there; on the filesystem it is the pause between looks at the folder, so tasks start sooner too.
"""

import time
from pathlib import Path

from celery.worker import state
from kombu.transport import TRANSPORT_ALIASES

from dpms import filesystem_broker

POLLING_INTERVAL = 0.05  # seconds; how long an idle test worker waits before it looks for messages again


def _worker_told_to_stop() -> bool:
    """The same test as ``celery.worker.state.maybe_shutdown`` (an exit code of 0 counts)."""
    return any(flag is not None and flag is not False for flag in (state.should_terminate, state.should_stop))


class FilesystemTransport(filesystem_broker.Transport):
    """The embedded broker's transport, whose ``drain_events`` returns within one poll of a stop request."""

    def drain_events(self, connection, timeout=None):
        deadline = None if timeout is None else time.monotonic() + timeout
        while not _worker_told_to_stop():
            remaining = POLLING_INTERVAL if deadline is None else deadline - time.monotonic()
            if remaining <= 0:
                break
            try:
                # One poll: a message is delivered, or TimeoutError after at most POLLING_INTERVAL.
                return super().drain_events(connection, timeout=min(remaining, POLLING_INTERVAL))
            except TimeoutError:  # socket.timeout, as kombu raises it
                continue
        raise TimeoutError()


# A URL scheme of its own rather than Celery's ``broker_transport`` setting: that setting would also win over
# the scheme of any other URL, such as the unreachable Redis URLs the /healthz tests point the app at.
SCHEME = "dpms-test-filesystem"


def configure(app, *, worker: str = "") -> None:
    """Point the Celery app at the tests' broker: the configured one (same Redis, or the same folder: under
    pytest-xdist a folder of its own for each ``worker``), polled every ``POLLING_INTERVAL``; the filesystem
    through ``FilesystemTransport``."""
    options = {**app.conf.broker_transport_options, "polling_interval": POLLING_INTERVAL}
    if app.conf.broker_url == f"{filesystem_broker.SCHEME}://":
        TRANSPORT_ALIASES[SCHEME] = f"{__name__}:FilesystemTransport"
        app.conf.broker_url = f"{SCHEME}://"
        if worker:
            for key in ("data_folder_in", "data_folder_out", "processed_folder", "control_folder"):
                folder = Path(options[key]).parent / worker / Path(options[key]).name
                folder.mkdir(parents=True, exist_ok=True)
                options[key] = str(folder)
    app.conf.broker_transport_options = options
