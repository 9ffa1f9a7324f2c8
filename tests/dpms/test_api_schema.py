"""The OpenAPI 3.1 schema describes every endpoint without a warning, and its docs page is served from our own
static files under the CSP."""

import re

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_the_schema_is_openapi_3_1_with_every_endpoint_and_no_warning(tmp_path, capsys):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--format", "openapi-json", "--file", str(out), "--fail-on-warn", "--validate"
    )
    import json

    schema = json.loads(out.read_text())
    assert schema["openapi"] == "3.1.0"
    paths = set(schema["paths"])
    assert {
        "/api/v1/people/",
        "/api/v1/teams/",
        "/api/v1/notifications/mark-read/",
        "/api/v1/audit-events/",
    } <= paths
    assert {"/api/v1/tokens/{id}/revoke/"} <= paths
    assert set(schema["components"]["securitySchemes"]) == {"personalAccessToken", "browserSession"}


def test_the_schema_is_public(client):
    response = client.get(reverse("api-schema"), HTTP_ACCEPT="application/json")
    assert response.status_code == 200


def test_the_docs_page_loads_everything_from_our_own_static_files(client):
    response = client.get(reverse("api-docs"))
    assert response.status_code == 200
    page = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources
    assert all(source.startswith("/") and not source.startswith("//") for source in sources), sources
    assert "<style" not in page
    assert "<script>" not in page  # no inline script: the CSP refuses it
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_an_app_plugs_its_endpoints_in_through_the_portal():
    from rest_framework import viewsets

    from dpms import portal
    from dpms.api.urls import build_router
    from dpms.models import Team

    class ThingViewSet(viewsets.ReadOnlyModelViewSet):
        queryset = Team.objects.none()

    portal.register_app(
        portal.App(name="things-test", api=[portal.ApiRoute("things/stuff", ThingViewSet, "thing")])
    )
    try:
        patterns = [str(url.pattern) for url in build_router().urls]
        assert "things/stuff/" in patterns
    finally:
        portal._apps.pop("things-test")
