"""A real OpenID Connect provider for the single sign-on tests (PyPI's ``oidc-provider-mock``, an authlib
server), served over HTTP on 127.0.0.1 from a thread; allauth fetches its discovery document, keys, tokens
and userinfo over real HTTP.

Its sign-in form takes a subject (``sub``); the subject's claims (email, email_verified, name, amr, a team
claim ...) are set beforehand with the provider's own ``PUT /users/<sub>``.

``TokenRelay`` sits in front of the token endpoint (the app's ``openid_configuration_overrides`` point
allauth at it) and alters the ID token of the answer: another audience, issuer, nonce or expiry, signed with
the provider's own key, or signed with a key the provider never published. The provider itself has no
switches for those faults.
"""

import json
import os
import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import flask
import oidc_provider_mock
import requests
import werkzeug.serving
from authlib import jose

CLIENT_ID = "dpms-test-client"
CLIENT_SECRET = "dpms-test-secret"  # noqa: S105 - the test provider accepts any secret


@dataclass
class Provider:
    """One running provider: its issuer URL and its signing key."""

    issuer: str
    jwk: jose.RSAKey

    def set_user(self, sub: str, **claims) -> None:
        response = requests.put(f"{self.issuer}/users/{sub}", json=claims, timeout=5)
        response.raise_for_status()

    def authorize(self, url: str, sub: str) -> str:
        """Sign in as ``sub`` at the provider's form (a real POST): the redirect back to DPMS."""
        assert url.startswith(self.issuer), url
        response = requests.post(url, data={"sub": sub}, allow_redirects=False, timeout=5)
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@contextmanager
def running_provider():
    """A provider on a free port of 127.0.0.1, stopped at the end. Its issuer is ``http://127.0.0.1:<port>``
    (the provider names itself by the host it is reached at)."""
    previous = os.environ.get("AUTHLIB_INSECURE_TRANSPORT")
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"  # authlib's own switch: plain HTTP on loopback
    app = oidc_provider_mock.app(require_nonce=True)
    app.wsgi_app.trusted_hosts.append("127.0.0.1")
    with app.test_request_context("/"):
        app.preprocess_request()
        jwk = flask.g.oidc_provider_mock_storage.jwk
    server = werkzeug.serving.make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Provider(issuer=f"http://127.0.0.1:{server.server_port}", jwk=jwk)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(2)
        if previous is None:
            os.environ.pop("AUTHLIB_INSECURE_TRANSPORT", None)


def sign(claims: dict, key: jose.RSAKey, kid: str | None) -> str:
    """A JWT signed with ``key``, naming ``kid`` (or no key id at all, as the provider's own tokens)."""
    header = {"alg": "RS256", **({"kid": kid} if kid else {})}
    private = {k: v for k, v in key.as_dict(is_private=True).items() if k != "kid"}
    return jose.jwt.encode(header, claims, private).decode()


@dataclass
class TokenRelay:
    """A real HTTP relay in front of the provider's token endpoint that rewrites the ID token it answers
    with. ``claims`` are set on the token (``None`` removes one); ``rogue_key`` signs it with a key (of the
    same id, if the token names one) that the provider never published."""

    provider: Provider
    url: str = ""
    claims: dict = field(default_factory=dict)
    rogue_key: bool = False
    answers: list = field(default_factory=list)  # the altered ID tokens, for the test to look at

    def rewrite(self, id_token: str) -> str:
        header = jose.JsonWebSignature().deserialize_compact(id_token, self.provider.jwk)["header"]
        claims = jose.jwt.decode(id_token, self.provider.jwk.as_dict())
        data = dict(claims)
        for key, value in self.claims.items():
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value(data) if callable(value) else value
        key = jose.RSAKey.generate_key(is_private=True) if self.rogue_key else self.provider.jwk
        token = sign(data, key, header.get("kid"))
        self.answers.append(token)
        return token


@contextmanager
def token_relay(provider: Provider, **options):
    relay = TokenRelay(provider=provider, **options)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {
                k: v for k, v in self.headers.items() if k.lower() in {"authorization", "content-type"}
            }
            upstream = requests.post(f"{provider.issuer}/oauth2/token", data=body, headers=headers, timeout=5)
            answer = upstream.json()
            if "id_token" in answer:
                answer["id_token"] = relay.rewrite(answer["id_token"])
            payload = json.dumps(answer).encode()
            self.send_response(upstream.status_code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    relay.url = f"http://127.0.0.1:{server.server_address[1]}/token"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield relay
    finally:
        server.shutdown()
        server.server_close()


def expired(claims: dict) -> int:
    """An expiry two minutes ago (for ``TokenRelay.claims``)."""
    return int(time.time()) - 120


def query(url: str) -> dict:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def path_and_query(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def login_url(provider_id: str) -> str:
    return f"/accounts/oidc/{provider_id}/login/"


CALLBACK_RE = re.compile(r"/accounts/oidc/(?P<id>[^/]+)/login/callback/")


# --- Fixtures (imported by tests/dpms/conftest.py) ----------------------------------------------------------
import pytest  # noqa: E402


@pytest.fixture
def oidc_provider():
    """A real OpenID Connect provider on 127.0.0.1 for this test."""
    with running_provider() as provider:
        yield provider


@pytest.fixture
def sso_app(db, oidc_provider):
    """The provider as an admin adds it (a Social application): "Acme", people of example.com."""
    from allauth.socialaccount.models import SocialApp

    from dpms.sso_config import clean_settings

    return SocialApp.objects.create(
        provider="openid_connect",
        provider_id="acme",
        name="Acme",
        client_id=CLIENT_ID,
        secret=CLIENT_SECRET,
        settings=clean_settings(preset="oidc", issuer=oidc_provider.issuer, allowed_domains=["example.com"]),
    )


def start_sign_in(client, provider_id: str = "acme", **params):
    """Press "Sign in with ..." : the redirect to the provider's authorisation endpoint."""
    response = client.post(login_url(provider_id), params)
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def sso_sign_in(client, provider: Provider, sub: str, provider_id: str = "acme"):
    """The whole round trip: our button, the provider's form (real HTTP), our callback. The callback's
    response."""
    back = provider.authorize(start_sign_in(client, provider_id), sub)
    return client.get(path_and_query(back))
