"""Campaign pages: list and detail with progress, counts and flagged items; same queries at any size."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.choices import CampaignStatus, Decision
from access.models import ReviewItem
from access.services.closing import campaign_close
from access.services.tallies import tally_recount
from dpms.models import User
from tests.access.factories import GrantFactory, ReviewCampaignFactory, ReviewItemFactory, RoleFactory
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
EXPECTED_DETAIL_QUERIES = 20
EXPECTED_LIST_QUERIES = 15


@pytest.fixture
def campaign(db):
    return ReviewCampaignFactory(name="Q4 review")


def _pages(campaign):
    return [
        reverse("access:campaigns"),
        reverse("access:campaign_detail", args=[campaign.pk]),
        reverse("access:campaign_launch_progress", args=[campaign.pk]),
    ]


def test_anonymous_people_are_sent_to_sign_in(client, campaign):
    for url in _pages(campaign):
        response = client.get(url)
        assert response.status_code == 302
        assert "/login" in response.url


@pytest.mark.parametrize("persona", ["staff", "manager", "outsider", "admin"])
def test_people_without_a_review_role_are_refused(client_for, personas, persona, campaign):
    for url in _pages(campaign):
        assert client_for(personas[persona]).get(url).status_code == 403


@pytest.mark.parametrize("persona", ["security_officer", "auditor"])
def test_security_officers_and_auditors_read_campaigns(client_for, personas, persona, campaign):
    client = client_for(personas[persona])
    for url in _pages(campaign):
        assert client.get(url).status_code == 200
    assert client.get(reverse("access:campaign_detail", args=[campaign.pk + 99])).status_code == 404


def _bulk_items(campaign, count, reviewers):
    """``count`` items spread over ``reviewers``, a fifth of them each rerouted, kept in bulk, overridden."""
    role = RoleFactory()
    holders = UserFactory.create_batch(count)
    grants = GrantFactory._meta.model.objects.bulk_create(
        [GrantFactory.build(user=holder, role=role) for holder in holders]
    )
    decisions = [Decision.PENDING, Decision.KEEP, Decision.REVOKE, Decision.NO_RESPONSE]
    ReviewItem.objects.bulk_create(
        [
            ReviewItemFactory.build(
                campaign=campaign,
                grant=grant,
                reviewer=reviewers[i % len(reviewers)],
                decision=decisions[i % 4],
                routing_note="no manager: routed to the fallback reviewer" if i % 5 == 0 else "",
                bulk=i % 5 == 1,
                override=i % 5 == 2,
            )
            for i, grant in enumerate(grants)
        ]
    )
    tally_recount(campaign_id=campaign.pk)  # as the launch does once the items are written


def test_detail_shows_progress_counts_overdue_reviewers_and_flagged_items(client_for, security_officer):
    overdue = ReviewCampaignFactory(due_at=timezone.now() - datetime.timedelta(days=2))
    reviewers = [UserFactory(full_name=name) for name in ("Rhea Reviewer", "Ravi Reviewer", "Rosa Reviewer")]
    ReviewItemFactory(campaign=overdue, reviewer=UserFactory(full_name="Done Dora"), decision=Decision.KEEP)
    _bulk_items(overdue, 20, reviewers)
    response = client_for(security_officer).get(reverse("access:campaign_detail", args=[overdue.pk]))
    dashboard = response.context["dashboard"]
    numbers = response.context["numbers"]  # 11 of 21 kept or revoked by a person, 5 "no response", 5 pending
    assert (numbers.reviewed, numbers.defaulted, numbers.pending, numbers.reviewed_percent) == (11, 5, 5, 52)
    assert {value: count for value, _label, count in dashboard.by_decision}[Decision.REVOKE] == 5
    rows = dashboard.reviewers.object_list
    assert [(row.name, row.pending) for row in rows][-1] == ("Done Dora", 0)  # the most pending first
    assert sorted(row.total for row in rows) == [1, 6, 7, 7]
    # Everyone with pending items is overdue; Dora, who decided everything, is not.
    assert {row.name for row in dashboard.overdue_reviewers} == {
        "Rhea Reviewer",
        "Ravi Reviewer",
        "Rosa Reviewer",
    }
    flagged = {group["key"]: group["count"] for group in dashboard.flagged}
    assert flagged == {"rerouted": 4, "no_response": 5, "bulk": 1, "override": 4}
    html = response.content.decode()
    assert 'class="numbers-bar"' in html
    assert "52% reviewed" in html
    assert "5 defaulted (no response)" in html
    assert 'style="' not in html
    assert "hx-trigger" not in html  # open: nothing polls


def test_launching_campaign_polls_its_progress_until_it_is_open(client_for, security_officer):
    launching = ReviewCampaignFactory(status=CampaignStatus.LAUNCHING, items_created=120)
    client = client_for(security_officer)
    partial = client.get(reverse("access:campaign_launch_progress", args=[launching.pk]))
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    assert "120 items written" in partial.content.decode()
    launching.status = CampaignStatus.OPEN
    launching.save()
    done = client.get(reverse("access:campaign_launch_progress", args=[launching.pk]), HTTP_HX_REQUEST="true")
    assert "hx-trigger" not in done.content.decode()
    assert done["HX-Refresh"] == "true"


@pytest.mark.parametrize("size", [10, 1000])
def test_detail_query_count_does_not_grow_with_items(
    client_for, security_officer, django_assert_num_queries, size
):
    campaign = ReviewCampaignFactory()
    _bulk_items(campaign, size, UserFactory.create_batch(5))
    client = client_for(security_officer)
    url = reverse("access:campaign_detail", args=[campaign.pk])
    client.get(url)  # warm the session
    # Session, user and allauth session tracking (7), the user's groups (1), the campaign with its counts
    # summed from its tallies (1), the counts by decision from the tallies (1), the sizes of the three
    # flagged lists that are not a decision (1), every reviewer's progress from the tallies (1), the first
    # rows of the four flagged lists (4), the header's unread count (1), saving the session (3).
    with django_assert_num_queries(EXPECTED_DETAIL_QUERIES):
        client.get(url)


@pytest.mark.parametrize("size", [10, 200])
def test_list_query_count_does_not_grow_with_campaigns(client_for, auditor, django_assert_num_queries, size):
    ReviewCampaignFactory.create_batch(size // 10)
    client = client_for(auditor)
    client.get(reverse("access:campaigns"))
    # Session, user and allauth session tracking (7), the user's groups (1), count and page with progress
    # annotated (2), the policy filter's options (1), the header's unread count (1), saving the session (3).
    with django_assert_num_queries(EXPECTED_LIST_QUERIES):
        response = client.get(reverse("access:campaigns"))
    assert len(response.context["page"].object_list) == min(size // 10, 25)


def test_list_filters_and_sorts(client_for, auditor):
    ReviewCampaignFactory(name="Old", status=CampaignStatus.CLOSED)
    ReviewCampaignFactory(name="New")
    client = client_for(auditor)
    open_only = client.get(reverse("access:campaigns") + "?status=open").context["page"].object_list
    assert [c.name for c in open_only] == ["New"]
    by_name = client.get(reverse("access:campaigns") + "?sort=name").context["page"].object_list
    assert [c.name for c in by_name] == ["New", "Old"]
    assert client.get(reverse("access:campaigns") + "?status=bogus").status_code == 200


def _reviewers(count):
    return User.objects.bulk_create(
        [User(email=f"reviewer{n:05}@example.com", full_name=f"Reviewer {n:05}") for n in range(count)]
    )


@pytest.mark.parametrize("reviewers", [10, 2000])
def test_detail_pages_its_reviewers_in_the_same_queries_with_10_and_2000(
    client_for, security_officer, django_assert_num_queries, reviewers
):
    campaign = ReviewCampaignFactory(due_at=timezone.now() - datetime.timedelta(days=1))  # overdue
    _bulk_items(campaign, reviewers * 2, _reviewers(reviewers))
    client = client_for(security_officer)
    url = reverse("access:campaign_detail", args=[campaign.pk])
    client.get(url)
    # As above: the overdue reviewers come from the same pass over the reviewers.
    with django_assert_num_queries(EXPECTED_DETAIL_QUERIES):
        response = client.get(url)
    dashboard = response.context["dashboard"]
    assert len(dashboard.reviewers.object_list) == min(reviewers, 50)
    assert dashboard.reviewers.paginator.count == reviewers
    late = campaign.items.filter(decision=Decision.PENDING).values("reviewer").distinct().count()
    assert dashboard.overdue_count == late
    assert len(dashboard.overdue_reviewers) == min(late, 10)
    html = response.content.decode()
    if reviewers > 50:
        assert f"and {late - 10} more reviewers." in html
        assert 'rel="next">Next →</a>' in html
    else:
        assert "more reviewer" not in html  # five late reviewers: all named


def test_reviewers_sort_by_pending_or_by_name_and_page(client_for, security_officer):
    campaign = ReviewCampaignFactory()
    people = _reviewers(60)
    _bulk_items(campaign, 60, people)
    _bulk_items(campaign, 8, [people[59]])  # the last by name has the most pending (2)
    client = client_for(security_officer)
    url = reverse("access:campaign_detail", args=[campaign.pk])
    first = client.get(url).context["dashboard"].reviewers.object_list[0]
    assert first.name == "Reviewer 00059"
    by_name = client.get(url, {"reviewers": "name"}).context["dashboard"]
    assert [row.name for row in by_name.reviewers.object_list][:2] == ["Reviewer 00000", "Reviewer 00001"]
    second = client.get(url, {"reviewers": "name", "page": 2}).context["dashboard"].reviewers
    assert [row.name for row in second.object_list] == [f"Reviewer {n:05}" for n in range(50, 60)]
    assert client.get(url, {"reviewers": "nonsense"}).status_code == 200  # an unknown sort: the default


def test_the_list_counts_an_open_campaigns_items_and_shows_a_closed_ones_frozen_population(
    client_for, auditor, security_officer
):
    running = ReviewCampaignFactory(name="Running")
    closing = ReviewCampaignFactory(name="Closing", population_count=4)
    _bulk_items(running, 8, [UserFactory()])  # decisions cycle: 2 of 8 pending
    _bulk_items(closing, 4, [UserFactory()])
    campaign_close(campaign=closing, actor=security_officer, now=timezone.now(), confirmed=True)
    rows = {
        c.name: c for c in client_for(auditor).get(reverse("access:campaigns")).context["page"].object_list
    }
    assert (rows["Running"].item_count, rows["Running"].decided_count) == (8, 6)
    assert (rows["Closing"].item_count, rows["Closing"].decided_count) == (
        4,
        4,
    )  # every item decided at close


def test_the_lists_policy_filter_offers_any_policy_in_words(client_for, auditor, campaign):
    page = client_for(auditor).get(reverse("access:campaigns")).content.decode()
    assert '<option value="" selected>Any</option>' in page.split('name="policy"')[1].split("</select>")[0]
    assert "---------" not in page
