"""The review queue page: a compact table grouped by person with pending items first (decided ones behind a
filter), its filters, "Accept recommendations" and "Keep selected" from the batch bar, who may use them, and
the page's fixed cost at 10 and 1,000 items."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from access.choices import CampaignStatus, Decision, Recommendation
from access.models import ReviewCampaign, ReviewItem, System
from access.queries.reviews import SECURITY_OFFICER_LEVEL
from access.views.reviews import PAGE_SIZE
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory, SystemFactory
from tests.access.test_reviews_query_counts import fill_queue
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("access:review_queue")
ACCEPT = reverse("access:review_accept")
WHY = "Checked with the team leads on Monday."


@pytest.fixture
def campaign():
    return ReviewCampaignFactory()


def make(campaign, reviewer, holder=None, recommendation="", system=None, **kwargs):
    extra = {"grant__user": holder} if holder else {}
    if system is not None:
        extra["grant__role__system"] = system
    return ReviewItemFactory(
        campaign=campaign,
        reviewer=reviewer,
        recommendation=recommendation,
        recommendation_reason="Why not." if recommendation else "",
        **extra,
        **kwargs,
    )


def listed(response):
    return [item.pk for item in response.context["page"].object_list]


def test_pending_items_by_default_grouped_by_person_and_decided_ones_behind_a_filter(
    client_for, manager, campaign
):
    zoe = UserFactory(full_name="Zoe Zhang")
    adam = UserFactory(full_name="Adam Abbott")
    zoe_decided = make(campaign, manager, zoe, system=SystemFactory(name="Alpha"), decision=Decision.KEEP)
    zoe_pending = make(campaign, manager, zoe, system=SystemFactory(name="Beta"))
    adam_pending = make(campaign, manager, adam, system=SystemFactory(name="Gamma"))
    client = client_for(manager)

    response = client.get(QUEUE)
    assert listed(response) == [adam_pending.pk, zoe_pending.pk]
    assert response.content.decode().count('data-testid="person-group"') == 2
    assert listed(client.get(QUEUE, {"state": "decided"})) == [zoe_decided.pk]
    # all: still grouped by person, each person's pending items before their decided ones
    assert listed(client.get(QUEUE, {"state": "all"})) == [adam_pending.pk, zoe_pending.pk, zoe_decided.pk]
    # another order than by person: no groups
    page = client.get(QUEUE, {"state": "all", "sort": "system"}).content.decode()
    assert 'data-testid="person-group"' not in page


def test_the_filters_system_privileged_and_recommendation(client_for, manager, campaign):
    crm, ledger = SystemFactory(name="CRM"), SystemFactory(name="Ledger")
    revoke = make(campaign, manager, recommendation=Recommendation.INACTIVE, system=crm)
    keep = make(
        campaign,
        manager,
        recommendation=Recommendation.IN_USE,
        system=ledger,
        grant__role__privileged=True,
    )
    look = make(campaign, manager, recommendation=Recommendation.NEVER_REVIEWED, system=crm)
    none = make(campaign, manager, system=SystemFactory(name="Wiki"))
    client = client_for(manager)
    assert set(listed(client.get(QUEUE, {"system": "crm"}))) == {revoke.pk, look.pk}
    assert listed(client.get(QUEUE, {"privileged": "yes"})) == [keep.pk]
    assert listed(client.get(QUEUE, {"recommendation": "revoke"})) == [revoke.pk]
    assert listed(client.get(QUEUE, {"recommendation": "keep"})) == [keep.pk]
    assert set(listed(client.get(QUEUE, {"recommendation": "none"}))) == {look.pk, none.pk}
    page = client.get(QUEUE).content.decode()
    assert '<option value="CRM">' in page  # the system filter's hints
    assert '<option value="Wiki">' in page
    assert "accepting acts on the 2 pending items here with a recommendation" in page
    assert client.get(QUEUE, {"state": "nonsense"}).status_code == 200  # a bad filter shows nothing, no 500


def test_each_row_shows_the_person_access_grant_and_recommendation(client_for, manager, campaign):
    holder = UserFactory(full_name="Ana Lopez", last_login=None)
    item = make(
        campaign,
        manager,
        holder,
        recommendation=Recommendation.INACTIVE,
        grant__role__name="CRM administrator",
        grant__role__privileged=True,
        system=SystemFactory(name="CRM"),
        granted_by_label="Ivan Admin",
    )
    ReviewItem.objects.filter(pk=item.pk).update(recommendation_reason="The holder has never signed in.")
    page = client_for(manager).get(QUEUE).content.decode()
    row = page[page.index(f'id="row-{item.pk}"') :]
    row = row[: row.index("</tr>")]
    for text in (
        "Ana Lopez",
        "never signed in",
        "<strong>CRM</strong> · CRM administrator",
        'data-testid="privileged">Privileged',
        "by Ivan Admin",
        "Revoke: Holder inactive",
        "The holder has never signed in.",
        'data-key="y"',
        'data-key="n"',
    ):
        assert text in row, text


def test_a_decided_row_of_a_deactivated_portal_user_shows_its_decision_and_last_use(
    client_for, manager, campaign
):
    signed_in = timezone.now() - datetime.timedelta(days=3)
    holder = UserFactory(full_name="Bo Berg", last_login=signed_in, is_active=False)
    portal = System.objects.filter(is_portal=True).first() or SystemFactory(name="Portal", is_portal=True)
    item = make(
        campaign,
        manager,
        holder,
        system=portal,
        decision=Decision.KEEP,
        bulk=True,
        justification="Still needed.",
    )
    page = client_for(manager).get(QUEUE, {"state": "all"}).content.decode()
    row = page[page.index(f'id="row-{item.pk}"') :]
    row = row[: row.index("</tr>")]
    last_used = date_format(timezone.localtime(signed_in), "DATE_FORMAT")
    for text in (
        'class="queue-row decided"',
        "Bo Berg",
        ">deactivated<",
        "signed in 3\xa0days ago",
        f"last used {last_used}",
        'data-testid="decision">Keep<',
        ">bulk<",
        "“Still needed.”",
        'aria-pressed="true" aria-keyshortcuts="y"',
        'aria-pressed="false" aria-keyshortcuts="n"',
        "No recommendation",
    ):
        assert text in row, text
    assert 'name="items"' not in row  # a decided row is not selected for a batch


# --- accept recommendations and keep selected, from the page ---------------------------------------------


def test_accept_with_nothing_selected_acts_on_every_pending_item_in_the_filter(client_for, manager, campaign):
    crm, ledger = SystemFactory(name="CRM"), SystemFactory(name="Ledger")
    crm_revoke = make(campaign, manager, recommendation=Recommendation.DEACTIVATED, system=crm)
    crm_none = make(campaign, manager, system=crm)
    ledger_keep = make(campaign, manager, recommendation=Recommendation.IN_USE, system=ledger)
    response = client_for(manager).post(
        f"{ACCEPT}?system=CRM", {"justification": WHY, "next": f"{QUEUE}?system=CRM"}
    )
    assert response.status_code == 302
    assert response.url == f"{QUEUE}?system=CRM"
    decisions = dict(ReviewItem.objects.values_list("pk", "decision"))
    assert decisions == {
        crm_revoke.pk: Decision.REVOKE,
        crm_none.pk: Decision.PENDING,  # no recommendation: left for the person
        ledger_keep.pk: Decision.PENDING,  # outside the filter
    }
    page = client_for(manager).get(response.url).content.decode()
    assert "Recommendations accepted: 1 item revoked, 0 items kept." in page


def test_accept_the_selected_rows_only(client_for, manager, campaign):
    chosen = make(campaign, manager, recommendation=Recommendation.IN_USE)
    other = make(campaign, manager, recommendation=Recommendation.IN_USE)
    none = make(campaign, manager)
    response = client_for(manager).post(ACCEPT, {"items": [chosen.pk, none.pk], "justification": WHY})
    assert response.status_code == 302
    assert dict(ReviewItem.objects.values_list("pk", "decision")) == {
        chosen.pk: Decision.KEEP,
        other.pk: Decision.PENDING,
        none.pk: Decision.PENDING,
    }
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == [
        "Recommendations accepted: 0 items revoked, 1 item kept."
        " 1 item without a recommendation left for you."
    ]


def test_accept_without_a_justification_shows_the_error_and_decides_nothing(client_for, manager, campaign):
    item = make(campaign, manager, recommendation=Recommendation.EXPIRED)
    response = client_for(manager).post(ACCEPT, {"items": [item.pk], "justification": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Justification: This field is required." in page
    assert f'id="select-{item.pk}" data-select checked' in page  # the selection is kept for the retry
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_accept_in_a_closed_campaign_is_refused(client_for, manager, campaign):
    item = make(campaign, manager, recommendation=Recommendation.EXPIRED)
    ReviewCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSED)
    response = client_for(manager).post(ACCEPT, {"items": [item.pk], "justification": WHY})
    assert response.status_code == 400
    assert "is closed: its decisions are frozen" in response.content.decode()
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


# --- who may ---------------------------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_sign_in(client, campaign, manager):
    item = make(campaign, manager, recommendation=Recommendation.EXPIRED)
    for response in (
        client.post(ACCEPT, {"items": [item.pk], "justification": WHY}),
        client.get(reverse("access:review_item_row", args=[item.pk])),
    ):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "status"), [("staff", 400), ("outsider", 400), ("security_officer", 400)]
)
def test_only_the_reviewer_or_the_person_it_was_escalated_to_accepts(
    client_for, personas, second_report, campaign, persona, status
):
    manager = personas["manager"]
    item = make(campaign, manager, recommendation=Recommendation.EXPIRED)
    # the staff member and outsider cannot even name it (not visible); an officer sees it but may not
    # decide it in bulk (an override is one item at a time)
    response = client_for(personas[persona]).post(ACCEPT, {"items": [item.pk], "justification": WHY})
    assert response.status_code in (status, 403)
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING
    ReviewItem.objects.filter(pk=item.pk).update(escalated_to=second_report)
    response = client_for(second_report).post(ACCEPT, {"items": [item.pk], "justification": WHY})
    assert response.status_code == 302
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.REVOKE


def test_the_row_is_for_those_who_see_the_item(client_for, personas, campaign):
    item = make(campaign, personas["manager"], recommendation=Recommendation.EXPIRED)
    url = reverse("access:review_item_row", args=[item.pk])
    assert client_for(personas["outsider"]).get(url, HTTP_HX_REQUEST="true").status_code == 404
    response = client_for(personas["manager"]).get(url, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response.content.decode().lstrip().startswith(f'<tr id="row-{item.pk}"')


# --- the page's cost -------------------------------------------------------------------------------------


@pytest.mark.parametrize("count", [10, 1000])
def test_the_queue_costs_the_same_with_10_or_1000_items(
    client_for, manager, team, count, django_assert_num_queries
):
    fill_queue(reviewer=manager, team=team, count=count)
    client = client_for(manager)
    client.get(QUEUE)  # a session's first request also records it (usersessions)
    # 18 queries: session and user (2); allauth's user-session tracking (5); the reviewer's groups (1);
    # the page count with how many "Accept recommendations" would decide (1); the page's item ids, sorted
    # (1), then those items' rows with holder and system (1); progress (1); the system filter's names (1);
    # the header's unread count (1); the campaign filter's choices (1); saving the sliding session:
    # savepoint, update, release (3).
    with django_assert_num_queries(18):
        response = client.get(QUEUE, {"state": "all"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == min(count, PAGE_SIZE)


def test_the_campaign_filter_offers_the_open_campaigns_with_items_that_are_theirs_to_review(
    client_for, manager, security_officer
):
    """Each way an item is someone's (reviewer, escalated to them, at the security officers' level) puts its
    campaign in their filter; closed campaigns and campaigns with nothing of theirs are not offered."""
    mine = ReviewCampaignFactory(name="Mine")
    escalated = ReviewCampaignFactory(name="Escalated to me")
    officers = ReviewCampaignFactory(name="At the officers' level")
    closed = ReviewCampaignFactory(name="Closed", status=CampaignStatus.CLOSED)
    others = ReviewCampaignFactory(name="Someone else's")
    someone = UserFactory()
    make(mine, manager)
    make(escalated, someone, escalated_to=manager)
    make(officers, someone, escalation_level=SECURITY_OFFICER_LEVEL)
    make(closed, manager)
    make(others, someone)

    def offered(user):
        field = client_for(user).get(QUEUE).context["form"].fields["campaign"]
        return {campaign.name for campaign in field.queryset}

    assert offered(manager) == {"Mine", "Escalated to me"}
    assert offered(security_officer) == {"At the officers' level"}
