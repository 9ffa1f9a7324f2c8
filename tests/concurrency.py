"""Run calls in several threads at once, for the tests of what PostgreSQL's row locks guarantee.

The locking code (``select_for_update``, ``skip_locked``, unique keys, the audit chain head) only shows
what it is worth when transactions really race. Each thread here has its own database connection, so
its own PostgreSQL session and transactions, and the threads are held behind a barrier until all of them
(and the caller) are ready, so they hit the database together instead of one after the other. SQLite has
no row locks of this kind: these tests run on PostgreSQL only (the ``requires_postgres`` fixture), and
they need a transactional test database (``transactional_db``), since a thread cannot see the rows of
the test's own, never committed, transaction.

Every thread closes its connection when its call ends, whatever happened: a connection left open keeps
a session on the test database, and PostgreSQL refuses to drop the test database at the end of the run
while someone is still connected.

``at_once(*calls)`` covers the usual case. ``start_at_once(*calls)`` returns as soon as the calls are
under way, for a test that acts while they run (holds a lock they must wait for, verifies the audit chain
while they append) and collects their results afterwards with ``.wait()``.
"""

import contextlib
import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

START_TIMEOUT = 10  # seconds for every thread to reach the barrier
FINISH_TIMEOUT = 60  # seconds for every call to end once ``wait`` is called

Expected = type[BaseException] | tuple[type[BaseException], ...]


class Running:
    """Calls started together by ``start_at_once``, each in its own thread and database connection."""

    def __init__(self, calls: tuple[Callable[[], Any], ...], expect: Expected):
        if not calls:
            raise ValueError("nothing to run at once")
        self._expect = expect
        self._results: list[Any] = [None] * len(calls)
        self._errors: list[BaseException | None] = [None] * len(calls)
        # One more party than there are calls: the caller is released with the threads, so the calls are
        # under way when ``start_at_once`` returns.
        self._barrier = threading.Barrier(len(calls) + 1)
        self._threads = [
            threading.Thread(target=self._run, args=(index, call), daemon=True)
            for index, call in enumerate(calls)
        ]
        for thread in self._threads:
            thread.start()
        # If the barrier breaks, the threads that reached it report it from ``wait``.
        with contextlib.suppress(threading.BrokenBarrierError):
            self._barrier.wait(START_TIMEOUT)

    def _run(self, index: int, call: Callable[[], Any]) -> None:
        try:
            self._barrier.wait(START_TIMEOUT)
            self._results[index] = call()
        except self._expect as error:
            self._results[index] = error
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread by ``wait``
            self._errors[index] = error
        finally:
            connection.close()

    def alive(self) -> bool:
        """Whether any call is still running."""
        return any(thread.is_alive() for thread in self._threads)

    def wait(self, timeout: float = FINISH_TIMEOUT) -> list:
        """Wait for every call to end; return their results in call order, an expected exception standing
        in for the result of the call that raised it. If any call raised something else, re-raise the
        first such exception (in call order) once every thread has ended."""
        for thread in self._threads:
            thread.join(timeout)
        stuck = sum(thread.is_alive() for thread in self._threads)
        if stuck:
            raise TimeoutError(f"{stuck} of {len(self._threads)} concurrent calls still running")
        errors = [error for error in self._errors if error is not None]
        if errors:
            first = errors[0]
            if len(errors) > 1:
                first.add_note(f"{len(errors) - 1} other concurrent call(s) also raised: {errors[1:]!r}")
            raise first
        return list(self._results)


def start_at_once(*calls: Callable[[], Any], expect: Expected = ()) -> Running:
    """Start each zero-argument call in its own thread, all released together; return once they are under
    way. Collect the results with ``.wait()``; ``expect`` as for ``at_once``."""
    return Running(calls, expect)


def at_once(*calls: Callable[[], Any], expect: Expected = ()) -> list:
    """Run each zero-argument call in its own thread and database connection, all released at the same
    moment, and return their results in call order.

    An exception of a type in ``expect`` (a class or a tuple, as in ``except``) is returned in place of the
    result of the call that raised it, for tests where some callers are meant to be refused. Any other
    exception is re-raised once every thread has ended (the first one, in call order)."""
    return start_at_once(*calls, expect=expect).wait()


def same_call_at_once(func: Callable[[], Any], times: int, *, expect: Expected = ()) -> list:
    """``at_once`` with ``func`` called ``times`` times: several workers running the same step together."""
    return at_once(*[func] * times, expect=expect)
