"""Shared fixtures of the directory tests: a SCIM connection with its token, a client that talks SCIM to
the test client (``scim``), and one over real HTTP for the live server (``ScimHttpClient``)."""

import json
from typing import Any

import httpx
import pytest
from scim2_client import BaseSyncSCIMClient

from directory.services.connections import connection_create

SCIM_JSON = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def connection_and_token(db, admin_user):
    return connection_create(actor=admin_user, name="Okta")


@pytest.fixture
def connection(connection_and_token):
    return connection_and_token[0]


class Scim:
    """SCIM calls through Django's test client with the connection's bearer token."""

    def __init__(self, client, token):
        self.client, self.token = client, token

    def __call__(self, method: str, path: str, body: Any = None, raw: bytes | None = None, **headers):
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}
        kwargs.update({f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()})
        url = path if path.startswith("/") else f"/scim/v2/{path}"
        call = getattr(self.client, method.lower())
        if data is None:
            return call(url, **kwargs)
        return call(url, data=data, content_type=SCIM_JSON, **kwargs)

    def create_user(self, user_name: str, email: str | None = None, **extra) -> dict:
        body = {
            "schemas": [USER],
            "userName": user_name,
            "emails": [{"value": email or user_name, "primary": True}],
        }
        body.update(extra)
        response = self("POST", "Users", body)
        assert response.status_code == 201, response.content
        return response.json()


@pytest.fixture
def scim(client, connection_and_token):
    return Scim(client, connection_and_token[1])


class ScimHttpClient(BaseSyncSCIMClient):
    """scim2-client's engine over httpx: real HTTP requests to a running server."""

    def __init__(self, client: httpx.Client, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.client = client

    def _stays_under_base_url(self, endpoint: str) -> bool:
        url = self.client.build_request("GET", endpoint).url
        base = self.client.base_url
        return url.host == base.host and url.port == base.port and url.raw_path.startswith(base.raw_path)

    def _parse_json(self, response) -> Any:
        return response.json()

    def request(self, method: str, url: str, **kwargs: Any):
        return self.client.request(method, url, **kwargs)
