"""Fixtures shared by the foundation's tests."""

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


# --- A real HTTP receiver for the webhook tests ------------------------------------------------------------
@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    requests: list = field(default_factory=list)
    statuses: list = field(default_factory=list)  # answered in turn; 200 once they run out


@pytest.fixture
def receiver(settings):
    # A server on a free loopback port that records every request and answers with the statuses it is
    # given (then 200).
    """A receiver at http://127.0.0.1:<port>/hook; webhooks to it are allowed (DEBUG, private addresses)."""
    settings.DEBUG = True
    settings.WEBHOOK_ALLOW_PRIVATE = True
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers), body))
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


# --- A real OpenID Connect provider for the single sign-on tests (tests/dpms/oidc.py) -----------------------
from tests.dpms.oidc import oidc_provider, sso_app  # noqa: E402, F401
