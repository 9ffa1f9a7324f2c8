"""``make run``: the demo data, then the web server, a Celery worker and beat, on a port that is free.

The port is ``--port`` (``PORT=8001 make run``), refused when something listens there already; without it,
the first free port from 8000. ``SITE_URL`` (the address every link in emails and notifications starts
with) follows the port, unless it is set in the environment or ``.env``: then it is what the operator said.
The sign-in address printed at the end of the demo data is the real one.
"""

import os
import socket
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

FIRST_PORT = 8000
TRIES = 100
HOST = "127.0.0.1"  # the address Procfile.dev's runserver listens on


def port_is_free(port: int, host: str = HOST) -> bool:
    """Whether a server could listen on ``port`` now (a socket in TIME_WAIT does not count as taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def choose_port(requested: int | None, *, first: int | None = None) -> int:
    """``requested`` if it is free (else an error saying so), or the first free port from ``first``."""
    first = FIRST_PORT if first is None else first
    if requested is not None:
        if not port_is_free(requested):
            raise CommandError(
                f"Port {requested} is taken: stop what listens there, or choose another (PORT=8001 make run)."
            )
        return requested
    for port in range(first, first + TRIES):
        if port_is_free(port):
            return port
    raise CommandError(f"No free port between {first} and {first + TRIES - 1}: choose one with PORT=….")


def site_url_for(port: int, environ=os.environ) -> str:
    """The portal's address: ``SITE_URL`` as set (environment or ``.env``, which the settings read into the
    environment), else this machine on ``port``."""
    explicit = environ.get("SITE_URL", "").strip()
    return explicit.rstrip("/") if explicit else f"http://{HOST}:{port}"


class Command(BaseCommand):
    help = "Seed the demo data and start web, worker and beat (honcho) on a free port; SITE_URL follows it."

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, help="Listen here (refused when taken); default: 8000 or next free."
        )
        parser.add_argument(
            "--no-start", action="store_true", help="Seed and print the address, start nothing."
        )

    def handle(self, *args, port=None, no_start=False, **options):
        port = choose_port(port)
        site_url = site_url_for(port)
        # The demo's sign-in address, and every link the demo's notifications and emails carry, use it.
        settings.SITE_URL = os.environ["SITE_URL"] = site_url
        os.environ["PORT"] = str(port)
        call_command("seed_demo", stdout=self.stdout, stderr=self.stderr)
        self.stdout.write("")
        self.stdout.write(
            f"  DPMS is starting on {site_url}/  (port {port}: web, Celery worker and beat; Ctrl-C stops all)"
        )
        if not site_url.endswith(f":{port}"):
            self.stdout.write(f"  SITE_URL is set to {site_url}: links in emails and notifications use it.")
        self.stdout.write("")
        if no_start:
            return
        sys.stdout.flush()
        honcho = str(Path(sys.executable).with_name("honcho"))
        procfile = str(Path(settings.BASE_DIR) / "Procfile.dev")
        os.execv(honcho, [honcho, "start", "-f", procfile, "-p", str(port)])  # noqa: S606 - our own venv's honcho
