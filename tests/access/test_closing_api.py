"""Closing a campaign and downloading its evidence through the API: security officers close (a close that
would auto-revoke too much is held until confirmed); the evidence and its manifest are the page's bytes, for
security officers and auditors, once the campaign is closed."""

import hashlib
import json

import pytest
from django.urls import reverse

from access.choices import CampaignStatus, DefaultDecision
from access.models import ReviewCampaign
from dpms.models import AuditEvent, AuditSource
from tests.access.closing_support import campaign_with_items
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db


def as_(user, *, read_only=False):
    return api_client(token_for(user, read_only=read_only)[1])


def url(name, campaign):
    return reverse(f"api:access-campaign-{name}", args=[campaign.pk if campaign else 999999])


def test_a_security_officer_closes_a_campaign_audited_as_api(security_officer):
    campaign = campaign_with_items(3, default_decision=DefaultDecision.FLAG)
    token, text = token_for(security_officer, read_only=False, name="closer")
    close = {"sure": True, "accept_defaults": True}  # three items nobody decided: the defaults accepted
    response = api_client(text).post(url("closing-close", campaign), close, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "closed"
    assert response.json()["evidence_sha256"]
    event = AuditEvent.objects.get(action="access.campaign.close")
    assert event.source == AuditSource.API
    assert event.actor_label.endswith(f"via API token #{token.pk} closer")
    again = api_client(text).post(url("closing-close", campaign), close, format="json")
    assert again.status_code == 400
    assert again.json()["errors"]["non_field_errors"] == ["This campaign is closed already."]


def test_closing_is_deliberate(security_officer):
    campaign = campaign_with_items(1)
    response = as_(security_officer).post(url("closing-close", campaign), {}, format="json")
    assert response.status_code == 400
    assert "sure" in response.json()["errors"]
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.OPEN


def test_a_close_that_revokes_too_much_waits_for_confirmation(security_officer):
    campaign = campaign_with_items(3, default_decision=DefaultDecision.REVOKE, auto_apply=True)
    client = as_(security_officer)
    held = client.post(url("closing-close", campaign), {"sure": True, "accept_defaults": True}, format="json")
    assert held.json()["status"] == "confirm"
    refused = client.post(url("closing-confirm-close", campaign), {"sure": True}, format="json")
    assert "accept_defaults" in refused.json()["errors"]  # three items nobody decided
    confirm = {"sure": True, "accept_defaults": True}
    confirmed = client.post(url("closing-confirm-close", campaign), confirm, format="json")
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["status"] == "closed"


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin", "outsider"])
def test_only_security_officers_close(personas, persona):
    campaign = campaign_with_items(1)
    client = as_(personas[persona])
    for name in ("closing-close", "closing-confirm-close"):
        assert client.post(url(name, campaign), {"sure": True}, format="json").status_code == 403
        assert client.post(url(name, None), {"sure": True}, format="json").status_code == 404
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.OPEN


@pytest.fixture
def closed(security_officer):
    campaign = campaign_with_items(4, default_decision=DefaultDecision.FLAG)
    close = {"sure": True, "accept_defaults": True}
    as_(security_officer).post(url("closing-close", campaign), close, format="json")
    return campaign


@pytest.mark.parametrize("persona", ["auditor", "security_officer"])
def test_the_evidence_checks_out_with_its_manifest(personas, closed, persona):
    client = as_(personas[persona], read_only=True)
    response = client.get(url("evidence-evidence", closed), HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(response.streaming_content)
    manifest_response = client.get(url("evidence-evidence-manifest", closed))
    manifest = json.loads(manifest_response.content)
    assert manifest["file_sha256"] == hashlib.sha256(content).hexdigest()
    assert manifest["item_count"] == 4
    page = api_client()
    page.force_login(personas[persona])
    assert (
        manifest_response.content == page.get(f"/access/campaigns/{closed.pk}/evidence-manifest.json").content
    )


@pytest.mark.parametrize("persona", ["staff", "manager", "admin", "outsider"])
def test_evidence_is_for_security_officers_and_auditors(personas, closed, persona):
    client = as_(personas[persona], read_only=True)
    for name in ("evidence-evidence", "evidence-evidence-manifest"):
        assert client.get(url(name, closed)).status_code == 403
    assert client.get(url("evidence-evidence", closed), HTTP_ACCEPT="text/csv").status_code == 403


def test_an_open_campaign_has_no_evidence_yet(auditor):
    campaign = campaign_with_items(1)
    client = as_(auditor, read_only=True)
    assert client.get(url("evidence-evidence", campaign)).status_code == 404
    assert client.get(url("evidence-evidence-manifest", campaign)).status_code == 404
