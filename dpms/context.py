"""Where an action comes from (web, api, task, cli), carried with the request or task into the audit trail."""

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Origin:
    source: str = "cli"
    request_id: str = ""
    client_ip: str | None = None
    via: str = ""  # how the actor acted, when it matters: "API token #12 nightly import"


_current = contextvars.ContextVar("dpms_origin", default=Origin())  # noqa: B039 - Origin is frozen


def current_origin() -> Origin:
    return _current.get()


@contextmanager
def origin(source: str, *, request_id: str = "", client_ip: str | None = None):
    """Run a block as coming from ``source``; restores the previous origin afterwards."""
    token = _current.set(
        Origin(source=source, request_id=request_id or uuid.uuid4().hex, client_ip=client_ip)
    )
    try:
        yield
    finally:
        _current.reset(token)


def replace_origin(current: Origin, **changes) -> None:
    """Amend the current origin for the rest of the block that set it (the request, the task): the block's
    own ``origin`` restores what came before it when it ends."""
    _current.set(replace(current, **changes))
