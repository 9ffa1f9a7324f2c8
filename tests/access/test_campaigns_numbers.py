"""Honest campaign numbers: reviewed by a person, defaulted (no response) and pending, counted apart."""

import json

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags

from access.choices import Decision, DefaultDecision
from access.models import ReviewCampaign, ReviewItem
from access.queries.campaigns import campaign_numbers, campaigns_for, get_campaign_for
from access.services import closing, evidence
from access.services.closing import campaign_close
from access.services.reviews import item_decide
from access.services.tallies import tally_recount
from dpms.models import AuditEvent
from tests.access.closing_support import campaign_with_items
from tests.access.factories import GrantFactory, ReviewCampaignFactory, ReviewItemFactory, RoleFactory
from tests.access.test_campaigns_pages import EXPECTED_DETAIL_QUERIES
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

MIXED = [Decision.KEEP] * 3 + [Decision.REVOKE, Decision.DOWNGRADE, Decision.EXCEPTION]
MIXED += [Decision.NO_RESPONSE] * 3 + [Decision.PENDING]


def items_with(campaign, decisions):
    role = RoleFactory()
    reviewer = UserFactory()
    grants = GrantFactory._meta.model.objects.bulk_create(
        [GrantFactory.build(user=UserFactory(), role=role) for _ in decisions]
    )
    ReviewItem.objects.bulk_create(
        [
            ReviewItemFactory.build(campaign=campaign, grant=grant, reviewer=reviewer, decision=decision)
            for grant, decision in zip(grants, decisions, strict=True)
        ]
    )
    tally_recount(campaign_id=campaign.pk)


def test_the_annotations_count_each_kind_apart(personas):
    campaign = ReviewCampaignFactory()
    items_with(campaign, MIXED)
    annotated = get_campaign_for(personas["security_officer"], campaign.pk)
    assert (annotated.item_count, annotated.decided_count) == (10, 9)
    assert (annotated.reviewed_count, annotated.defaulted_count, annotated.pending_count) == (6, 3, 1)
    assert campaign_numbers(annotated) == {
        "total": 10,
        "reviewed": 6,
        "defaulted": 3,
        "pending": 1,
        "reviewed_percent": 60,
        "defaulted_percent": 30,
        "pending_percent": 10,
    }
    listed = campaigns_for(personas["auditor"]).get(pk=campaign.pk)
    assert campaign_numbers(listed) == campaign_numbers(annotated)


def test_an_all_defaulted_campaign_is_zero_percent_reviewed(personas):
    campaign = ReviewCampaignFactory()
    items_with(campaign, [Decision.NO_RESPONSE] * 78)
    numbers = campaign_numbers(get_campaign_for(personas["security_officer"], campaign.pk))
    assert numbers["reviewed"] == 0
    assert numbers["reviewed_percent"] == 0
    assert (numbers["defaulted"], numbers["defaulted_percent"], numbers["pending_percent"]) == (78, 100, 0)


def test_percentages_add_up_to_a_hundred_and_an_empty_campaign_reads_zero(personas):
    campaign = ReviewCampaignFactory()
    items_with(campaign, [Decision.KEEP, Decision.NO_RESPONSE, Decision.PENDING])
    numbers = campaign_numbers(get_campaign_for(personas["security_officer"], campaign.pk))
    parts = (numbers["reviewed_percent"], numbers["defaulted_percent"], numbers["pending_percent"])
    assert sum(parts) == 100
    assert parts == (33, 34, 33)
    empty = campaign_numbers(get_campaign_for(personas["security_officer"], ReviewCampaignFactory().pk))
    assert empty == dict.fromkeys(empty, 0)


# --- Pages, evidence and API of a closed campaign ----------------------------------------------------------
def closed_mixed(security_officer, default=DefaultDecision.FLAG):
    """Six items decided by a person, two left pending and closed with ``default``; one more pending."""
    campaign = campaign_with_items(8, default_decision=default)
    items = list(campaign.items.order_by("pk"))
    for item, decision in zip(items, [Decision.KEEP] * 4 + [Decision.REVOKE] * 2, strict=False):
        item_decide(item=item, actor=security_officer, decision=decision, justification="checked")
    return campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)


def text_of(response) -> str:
    return " ".join(strip_tags(response.content.decode()).split())


@pytest.mark.parametrize("default", [DefaultDecision.FLAG, DefaultDecision.KEEP, DefaultDecision.REVOKE])
def test_defaults_never_count_as_reviewed_on_the_page_the_evidence_and_the_api(
    client_for, security_officer, auditor, default
):
    campaign = closed_mixed(security_officer, default)
    numbers = campaign_numbers(get_campaign_for(auditor, campaign.pk))
    assert (numbers["reviewed"], numbers["defaulted"], numbers["pending"]) == (6, 2, 0)
    assert (numbers["reviewed_percent"], numbers["defaulted_percent"]) == (75, 25)
    client = client_for(auditor)
    detail = client.get(reverse("access:campaign_detail", args=[campaign.pk]))
    assert "75% reviewed · 6 of 8 by a person · 2 defaulted (no response)" in text_of(detail)
    (row,) = detail.context["dashboard"].reviewers.object_list
    assert (row.reviewed, row.defaulted, row.percent) == (6, 2, 75)
    listed = text_of(client.get(reverse("access:campaigns")))
    assert "75% reviewed · 6 of 8 by a person · 2 defaulted" in listed
    close_page = text_of(
        client_for(security_officer).get(reverse("access:campaign_close", args=[campaign.pk]))
    )
    assert "75% reviewed by a person: 6 of 8 items; 2 took the default because nobody decided them." in (
        close_page
    )
    manifest = json.loads(evidence.manifest_bytes(campaign))
    assert manifest["review"] == {
        "total": 8,
        "reviewed": 6,
        "defaulted": 2,
        "pending": 0,
        "reviewed_percent": 75,
        "defaulted_percent": 25,
        "pending_percent": 0,
    }
    event = AuditEvent.objects.get(action="access.campaign.evidence", object_id=str(campaign.pk))
    assert event.changes["review"]["reviewed_percent"] == 75


def test_the_api_gives_the_three_numbers_of_a_campaign_and_its_reviewers(security_officer, auditor):
    campaign = closed_mixed(security_officer, DefaultDecision.REVOKE)
    client = api_client(token_for(auditor, read_only=True)[1])
    body = client.get(reverse("api:access-campaign-detail", args=[campaign.pk])).json()
    assert (body["item_count"], body["reviewed_count"], body["defaulted_count"], body["pending_count"]) == (
        8,
        6,
        2,
        0,
    )
    assert (body["percent"], body["reviewed_percent"], body["defaulted_percent"]) == (75, 75, 25)
    progress = client.get(reverse("api:access-campaign-progress", args=[campaign.pk])).json()
    assert progress["numbers"]["reviewed"] == 6
    assert progress["numbers"]["defaulted"] == 2
    (reviewer,) = progress["reviewers"]["results"]
    assert (reviewer["reviewed"], reviewer["defaulted"], reviewer["percent"]) == (6, 2, 75)


def test_a_closed_campaign_where_everything_defaulted_reads_zero_percent_reviewed(
    client_for, security_officer, auditor
):
    campaign = campaign_with_items(78)
    campaign = campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)
    page = text_of(client_for(auditor).get(reverse("access:campaign_detail", args=[campaign.pk])))
    assert "0% reviewed · 0 of 78 by a person · 78 defaulted (no response)" in page
    assert "100%" not in page
    assert "decided" not in page.replace("nobody decided", "")
    assert json.loads(evidence.manifest_bytes(campaign))["review"]["reviewed_percent"] == 0


def test_an_evidence_manifest_of_a_campaign_closed_before_stays_as_it_was(security_officer):
    campaign = closed_mixed(security_officer)
    before = evidence.manifest_bytes(campaign)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(evidence_review=None)  # closed before the numbers
    campaign.refresh_from_db()
    old = json.loads(evidence.manifest_bytes(campaign))
    assert "review" not in old
    assert {key: value for key, value in json.loads(before).items() if key != "review"} == old


@pytest.mark.parametrize("size", [10, 400])
def test_a_closed_campaign_with_a_keep_default_costs_the_same_queries_at_any_size(
    client_for, security_officer, django_assert_num_queries, size
):
    campaign = campaign_with_items(size, default_decision=DefaultDecision.KEEP)
    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now(), confirmed=True)
    client = client_for(security_officer)
    url = reverse("access:campaign_detail", args=[campaign.pk])
    client.get(url)  # warm the session
    # As an open campaign's page (tests/access/test_campaigns_pages.py, 20) without the first rows of the
    # four flagged lists (-4: none is flagged, every item was kept by default), and the items per reviewer
    # that took a default other than "no response" (1).
    with django_assert_num_queries(EXPECTED_DETAIL_QUERIES - 4 + 1):
        response = client.get(url)
    assert response.context["numbers"].defaulted == size


def test_the_close_audit_event_and_webhook_say_how_many_a_person_reviewed(security_officer, monkeypatch):
    sent = []
    monkeypatch.setattr(closing.webhooks, "emit", lambda event, data, **kwargs: sent.append(data))
    campaign = closed_mixed(security_officer, DefaultDecision.KEEP)
    event = AuditEvent.objects.get(action="access.campaign.close", object_id=str(campaign.pk))
    assert (event.changes["reviewed"], event.changes["total"], event.changes["defaults_applied"]) == (6, 8, 2)
    (data,) = sent
    assert (data["reviewed"], data["reviewed_percent"], data["defaults_applied"]) == (6, 75, 2)
