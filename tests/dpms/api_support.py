"""Calling the API in tests: a client with a personal access token made through the real service."""

from rest_framework.test import APIClient

from dpms import services


def token_for(user, *, read_only=True, days=90, networks=(), name="test token"):
    """A new token of ``user``: (the token, its text)."""
    return services.api_token_create(
        actor=user, name=name, days=days, read_only=read_only, allowed_networks=list(networks)
    )


def api_client(text: str | None = None, **extra) -> APIClient:
    client = APIClient(**extra)
    if text:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    return client
