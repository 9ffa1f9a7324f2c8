"""The shared shape of every app's periodic tick: run its steps in order, each on its own.

A step is ``step(*, now) -> int`` (how much it did), named by dotted path. One failing step is logged and
does not hold up the others; the tick then fails, so the worker's log and monitoring show it.
"""

import logging

from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger(__name__)


def run_steps(app: str, steps) -> dict:
    now = timezone.now()
    done, failed = {}, []
    for path in steps:
        step = import_string(path)
        try:
            done[path.rsplit(".", 1)[1]] = step(now=now)
        except Exception:
            log.exception("%s tick step %s failed", app, path)
            failed.append(path)
    if failed:
        raise RuntimeError(f"{app} tick steps failed: {', '.join(failed)}")
    return done
