"""Run code under the production settings (DEBUG=false) in a fresh interpreter, as a deployment would."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HOST = "dpms.example.com"


def production_env(**overrides) -> dict:
    env = {**os.environ, "DEBUG": "false", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": HOST}
    env["AUDIT_CHECKPOINT_KEY"] = secrets.token_urlsafe(48)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(overrides)
    return env


def run(args, **overrides) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own interpreter and manage.py, fixed arguments
        [sys.executable, *args],
        cwd=ROOT,
        env=production_env(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Asks for a page without touching the database (anonymous, no session cookie) and reports what came back.
_PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.test import Client
client = Client(HTTP_HOST=%(host)r)
secure = client.get("/dashboard/", secure=True)
plain = client.get("/dashboard/")
names = (
    "SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE", "SESSION_COOKIE_NAME",
    "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "CSRF_COOKIE_SAMESITE", "CSRF_COOKIE_NAME",
    "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_AGE", "SESSION_SAVE_EVERY_REQUEST", "SESSION_EXPIRE_AT_BROWSER_CLOSE",
)
print(json.dumps({
    "secure": {"status": secure.status_code, "headers": dict(secure.headers)},
    "plain": {"status": plain.status_code, "location": plain.get("Location")},
    "settings": {name: getattr(settings, name) for name in names},
}))
"""


def probe() -> dict:
    """Headers of a request under production settings, and the cookie and HSTS settings in force there."""
    result = run(["-c", _PROBE % {"host": HOST}], DJANGO_SETTINGS_MODULE="dpms.settings")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
