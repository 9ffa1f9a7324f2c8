"""What a browser or a proxy may keep: every answer to a signed-in person says ``no-store``.

``client_for`` (tests/conftest.py) checks every response its client receives while it holds a session, so
each page a test fetches as a persona (the permission ladders above all) asserts it without a line of its own.
"""

from django.conf import settings
from django.test import Client
from django.utils.cache import cc_delim_re


def cache_directives(response) -> set[str]:
    """The response's Cache-Control directives, lower case (``max-age=0`` stays one directive)."""
    return {part.strip().lower() for part in cc_delim_re.split(response.get("Cache-Control", "")) if part}


def assert_not_stored(response) -> None:
    """Neither the browser nor a proxy may keep this response: ``no-store``, and never ``public``."""
    directives = cache_directives(response)
    where = f"{response.request['REQUEST_METHOD']} {response.request['PATH_INFO']}"
    assert "no-store" in directives, f"{where} answered with Cache-Control {response.get('Cache-Control')!r}"
    assert "public" not in directives, f"{where} may be kept by a shared cache"


def check_every_signed_in_response(client: Client) -> Client:
    """Make ``client`` assert ``no-store`` on every response to a request sent with a session cookie
    (redirects it follows included). Idempotent: signing in again does not check twice."""
    if getattr(client, "_checks_no_store", False):
        return client
    send = client.request

    def request(**kwargs):
        cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
        response = send(**kwargs)
        if cookie is not None and cookie.value:
            assert_not_stored(response)
        return response

    client.request = request  # type: ignore[method-assign]
    client._checks_no_store = True  # type: ignore[attr-defined]
    return client
