"""The incident endpoints are in the OpenAPI schema, which stays free of warnings."""

import json

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/incidents/",
    "/api/v1/incidents/mine/",
    "/api/v1/incidents/metrics/",
    "/api/v1/incidents/breaches/",
    "/api/v1/incidents/escalation-policies/",
    "/api/v1/incidents/escalation-policies/{severity}/",
    "/api/v1/incidents/escalation-policies/{severity}/reset/",
    "/api/v1/incidents/{id}/",
    "/api/v1/incidents/{id}/triage/",
    "/api/v1/incidents/{id}/dismiss/",
    "/api/v1/incidents/{id}/acknowledge/",
    "/api/v1/incidents/{id}/transition/",
    "/api/v1/incidents/{id}/close/",
    "/api/v1/incidents/{id}/review/",
    "/api/v1/incidents/{id}/severity/",
    "/api/v1/incidents/{id}/handler/",
    "/api/v1/incidents/{id}/category/",
    "/api/v1/incidents/{id}/comments/",
    "/api/v1/incidents/{id}/timeline/",
    "/api/v1/incidents/{id}/attachments/",
    "/api/v1/incidents/{id}/attachments/{file_id}/",
    "/api/v1/incidents/{id}/breach/",
    "/api/v1/incidents/{id}/breach/mark/",
    "/api/v1/incidents/{id}/breach/awareness/",
    "/api/v1/incidents/{id}/breach/authority-notified/",
    "/api/v1/incidents/{id}/breach/authority-not-required/",
    "/api/v1/incidents/{id}/breach/data-subjects/",
    "/api/v1/incidents/{id}/breach/facts/",
    "/api/v1/incidents/{id}/breach/nis2/significant/",
    "/api/v1/incidents/{id}/breach/nis2/report/",
    "/api/v1/incidents/{id}/escalation/",
    "/api/v1/incidents/{id}/followups/",
    "/api/v1/incidents/{id}/followups/{action_id}/status/",
    "/api/v1/incidents/{id}/confidential/",
    "/api/v1/incidents/{id}/shares/",
    "/api/v1/incidents/{id}/share/",
    "/api/v1/incidents/{id}/unshare/",
    "/api/v1/incidents/{id}/links/",
}


def test_every_incident_endpoint_is_described_without_a_warning(tmp_path):
    out = tmp_path / "schema.json"
    call_command(
        "spectacular", "--format", "openapi-json", "--file", str(out), "--fail-on-warn", "--validate"
    )
    schema = json.loads(out.read_text())
    assert set(schema["paths"]) >= PATHS
    report = schema["paths"]["/api/v1/incidents/"]["post"]["requestBody"]["content"]
    assert set(report) == {"application/json", "multipart/form-data"}
    assert "Idempotency-Key" in {
        p["name"] for p in schema["paths"]["/api/v1/incidents/"]["post"]["parameters"]
    }
