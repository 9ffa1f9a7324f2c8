"""The shared shape of every app's periodic tick: run its steps in order, each on its own.

A step is a function ``step(*, now) -> int`` (how much it did). One failing step is logged and does not
hold up the others; the tick then fails, so the worker's log and monitoring show it.
"""

import logging
from collections.abc import Callable, Iterable

from django.utils import timezone

log = logging.getLogger(__name__)

Step = Callable[..., int]


def step_name(step: Step) -> str:
    return f"{step.__module__}.{step.__name__}"


def run_steps(app: str, steps: Iterable[Step]) -> dict[str, int]:
    """Run ``steps`` in order with one ``now``; returns how much each did, by the step's name."""
    now = timezone.now()
    done: dict[str, int] = {}
    failed: list[str] = []
    for step in steps:
        try:
            done[step.__name__] = step(now=now)
        except Exception:
            log.exception("%s tick step %s failed", app, step_name(step))
            failed.append(step_name(step))
    if failed:
        raise RuntimeError(f"{app} tick steps failed: {', '.join(failed)}")
    return done
