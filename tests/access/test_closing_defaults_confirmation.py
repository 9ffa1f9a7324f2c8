"""Closing under 100 % reviewed: the close page says how many items will take the default and asks to
accept that (a second box); the page and the API refuse without it and nothing changes; at 0 % reviewed
the warning says no review took place at all."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from access.choices import CampaignStatus, Decision, DefaultDecision
from access.models import ReviewCampaign
from access.services.closing import campaign_close
from access.services.reviews import item_decide
from dpms.models import AuditEvent
from tests.access.closing_support import campaign_with_items
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


def half_reviewed(actor):
    campaign = campaign_with_items(4, default_decision=DefaultDecision.FLAG)
    for item in campaign.items.order_by("pk")[:2]:
        item_decide(item=item, actor=actor, decision=Decision.KEEP, justification="still needed")
    return campaign


def unchanged(campaign) -> bool:
    campaign.refresh_from_db()
    return (
        campaign.status == CampaignStatus.OPEN
        and campaign.items.filter(decision=Decision.PENDING).count() == 2
        and not AuditEvent.objects.filter(action="access.campaign.close").exists()
    )


def test_the_close_page_says_how_many_items_take_the_default(client_for, security_officer):
    campaign = half_reviewed(security_officer)
    page = text_of(client_for(security_officer).get(reverse("access:campaign_close", args=[campaign.pk])))
    assert "Only 50% reviewed. 2 of 4 items nobody has decided will take the default" in page
    assert (
        "2 items nobody reviewed will take the default (Leave flagged as no response). I accept that." in page
    )
    assert "Nobody has reviewed any item" not in page


def test_closing_under_100_percent_without_accepting_the_defaults_is_refused(client_for, security_officer):
    campaign = half_reviewed(security_officer)
    url = reverse("access:campaign_close", args=[campaign.pk])
    response = client_for(security_officer).post(url, {"sure": "on"})
    assert response.status_code == 400
    assert "Tick this box to close with 2 items nobody reviewed." in text_of(response)
    assert unchanged(campaign)
    closed = client_for(security_officer).post(url, {"sure": "on", "accept_defaults": "on"})
    assert closed.status_code == 302
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED


def test_the_api_refuses_the_close_without_accepting_the_defaults(security_officer):
    campaign = half_reviewed(security_officer)
    client = api_client(token_for(security_officer, read_only=False)[1])
    url = reverse("api:access-campaign-closing-close", args=[campaign.pk])
    refused = client.post(url, {"sure": True}, format="json")
    assert refused.status_code == 400
    assert "accept_defaults" in refused.json()["errors"]
    assert unchanged(campaign)
    closed = client.post(url, {"sure": True, "accept_defaults": True}, format="json")
    assert closed.status_code == 200, closed.content
    assert (closed.json()["reviewed_count"], closed.json()["defaulted_count"]) == (2, 2)


def test_zero_percent_reviewed_shows_a_strong_warning(client_for, security_officer):
    campaign = campaign_with_items(3)
    page = client_for(security_officer).get(reverse("access:campaign_close", args=[campaign.pk]))
    html = page.content.decode()
    assert 'class="message warning close-warning strong"' in html
    assert "Nobody has reviewed any item of this campaign." in text_of(page)
    assert "all 3 items take the default, and the evidence will say 0% reviewed" in text_of(page)


def test_a_fully_reviewed_campaign_closes_with_the_one_box(client_for, security_officer):
    campaign = campaign_with_items(2)
    for item in campaign.items.all():
        item_decide(item=item, actor=security_officer, decision=Decision.KEEP, justification="needed")
    url = reverse("access:campaign_close", args=[campaign.pk])
    page = client_for(security_officer).get(url).content.decode()
    assert 'name="accept_defaults"' not in page
    assert 'data-testid="close-warning"' not in page
    assert client_for(security_officer).post(url, {"sure": "on"}).status_code == 302
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED


def test_confirming_a_close_the_tick_held_needs_the_defaults_accepted_too(client_for, security_officer):
    campaign = campaign_with_items(3, default_decision=DefaultDecision.REVOKE, auto_apply=True)
    held = campaign_close(campaign=campaign, actor=None, now=timezone.now())
    assert held.status == CampaignStatus.CONFIRM
    client = client_for(security_officer)
    page = text_of(client.get(reverse("access:campaign_close", args=[campaign.pk])))
    assert "Nobody has reviewed any item of this campaign." in page
    url = reverse("access:campaign_confirm_close", args=[campaign.pk])
    assert client.post(url, {"sure": "on"}).status_code == 400
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CONFIRM
    assert client.post(url, {"sure": "on", "accept_defaults": "on"}).status_code == 302
    assert ReviewCampaign.objects.get(pk=campaign.pk).status == CampaignStatus.CLOSED
