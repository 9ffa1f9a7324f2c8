"""The close page: a security officer closes early or confirms a held close; others read nothing here."""

import pytest

from access.choices import CampaignStatus, DefaultDecision
from access.models import Grant
from tests.access.closing_support import campaign_with_items

pytestmark = pytest.mark.django_db


def test_close_page_permission_ladder(client, client_for, personas):
    campaign = campaign_with_items(2)
    path = f"/access/campaigns/{campaign.pk}/close"
    assert client.get(path).status_code == 302
    for persona in ("staff", "manager", "auditor", "outsider"):
        assert client_for(personas[persona]).get(path).status_code == 403
        assert client_for(personas[persona]).post(path, {"sure": "on"}).status_code == 403
    assert client_for(personas["security_officer"]).get(path).status_code == 200
    assert client_for(personas["security_officer"]).get("/access/campaigns/999999/close").status_code == 404
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_security_officer_closes_early_and_sees_the_evidence_links(client_for, security_officer):
    campaign = campaign_with_items(2)
    client = client_for(security_officer)
    close = {"sure": "on", "accept_defaults": "on"}  # two items nobody decided: the defaults accepted
    response = client.post(f"/access/campaigns/{campaign.pk}/close", close, follow=True)
    assert response.status_code == 200
    assert f"/access/campaigns/{campaign.pk}/evidence.csv" in response.content.decode()
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED


def test_closing_without_ticking_the_box_is_a_form_error(client_for, security_officer):
    campaign = campaign_with_items(1)
    response = client_for(security_officer).post(f"/access/campaigns/{campaign.pk}/close", {})
    assert response.status_code == 400
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_held_close_is_confirmed_on_the_page(client_for, security_officer, auditor):
    campaign = campaign_with_items(3, default_decision=DefaultDecision.REVOKE, auto_apply=True)
    client = client_for(security_officer)
    client.post(f"/access/campaigns/{campaign.pk}/close", {"sure": "on", "accept_defaults": "on"})
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CONFIRM
    assert Grant.objects.active().count() == 3
    path = f"/access/campaigns/{campaign.pk}/confirm-close"
    assert client_for(auditor).post(path, {"sure": "on"}).status_code == 403
    client = client_for(security_officer)
    assert client.get(f"/access/campaigns/{campaign.pk}/close").status_code == 200
    assert client.post(path, {"sure": "on"}).status_code == 400  # three items nobody decided: accept them
    assert client.post(path, {"sure": "on", "accept_defaults": "on"}).status_code == 302
    campaign.refresh_from_db()
    assert (campaign.status, campaign.close_confirmed_by) == (CampaignStatus.CLOSED, security_officer)
    assert Grant.objects.active().count() == 0


def test_confirm_close_is_post_only(client_for, security_officer):
    campaign = campaign_with_items(1)
    assert (
        client_for(security_officer).get(f"/access/campaigns/{campaign.pk}/confirm-close").status_code == 405
    )


def test_campaign_detail_links_to_close_and_evidence(client_for, security_officer, auditor):
    campaign = campaign_with_items(1)
    close_link = f"/access/campaigns/{campaign.pk}/close"
    detail = client_for(security_officer).get(f"/access/campaigns/{campaign.pk}/")
    assert close_link in detail.content.decode()
    client_for(security_officer).post(close_link, {"sure": "on", "accept_defaults": "on"})
    page = client_for(auditor).get(f"/access/campaigns/{campaign.pk}/").content.decode()
    assert f"/access/campaigns/{campaign.pk}/evidence.csv" in page
    assert close_link not in page
