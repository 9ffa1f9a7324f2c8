"""The queue's rows, written once in Python (``access.views.reviews._QueueRows``): the page and the htmx
answers give the same row, every value a person typed is escaped wherever it shows, and the page's counts
(listed, and what "Accept recommendations" would decide) come from one query."""

import re

import pytest
from django.urls import reverse

from access.choices import Decision, Recommendation
from access.models import ReviewItem
from tests.access.factories import ReviewCampaignFactory, ReviewItemFactory

pytestmark = pytest.mark.django_db

QUEUE = reverse("access:review_queue")
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def row_of(html: str, pk: int) -> str:
    """The ``<tr>`` of this item, its CSRF token (masked anew on each response) left out."""
    match = re.search(rf'<tr id="row-{pk}".*?</tr>', html, re.DOTALL)
    assert match, f"no row {pk}"
    return CSRF.sub('name="csrfmiddlewaretoken"', match.group(0))


@pytest.fixture
def campaign():
    return ReviewCampaignFactory()


@pytest.mark.parametrize("decision", [Decision.PENDING, Decision.KEEP])
def test_the_row_htmx_answers_is_the_row_on_the_page(client_for, manager, campaign, decision):
    item = ReviewItemFactory(
        campaign=campaign,
        reviewer=manager,
        decision=decision,
        justification="Needed <for> the \"month\" & 'close'" if decision == Decision.KEEP else "",
        recommendation=Recommendation.INACTIVE,
        recommendation_reason="The holder has never signed in: consider revoking.",
    )
    client = client_for(manager)
    page = client.get(QUEUE, {"state": "all"}).content.decode()
    answered = client.get(reverse("access:review_item_row", args=[item.pk]), HTTP_HX_REQUEST="true")
    assert row_of(answered.content.decode(), item.pk) == row_of(page, item.pk)


def test_what_a_person_typed_is_escaped_in_every_cell(client_for, manager, campaign):
    typed = "<b>\"Ann\" & 'Bo'</b>"
    item = ReviewItemFactory(campaign=campaign, reviewer=manager, decision=Decision.KEEP, justification=typed)
    ReviewItem.objects.filter(pk=item.pk).update(
        holder_label=typed, system_name=typed, role_name=typed, granted_by_label=typed
    )
    row = row_of(client_for(manager).get(QUEUE, {"state": "all"}).content.decode(), item.pk)
    assert "<b>" not in row
    escaped = "&lt;b&gt;&quot;Ann&quot; &amp; &#x27;Bo&#x27;&lt;/b&gt;"
    assert f'title="{escaped}"' in row  # the holder, and the justification's title
    assert f"<strong>{escaped}</strong> · {escaped}</td>" in row  # system and role
    assert f"by {escaped}" in row  # who granted it
    assert f"“{escaped}”" in row  # the justification


def test_the_counts_of_decided_rows_and_of_what_accepting_would_decide(client_for, manager, campaign):
    for recommendation in (Recommendation.INACTIVE, Recommendation.IN_USE, ""):
        ReviewItemFactory(campaign=campaign, reviewer=manager, recommendation=recommendation)
    ReviewItemFactory(
        campaign=campaign, reviewer=manager, recommendation=Recommendation.INACTIVE, decision=Decision.KEEP
    )
    client = client_for(manager)
    for state, listed in (("pending", 3), ("decided", 1), ("all", 4)):
        response = client.get(QUEUE, {"state": state})
        assert response.context["page"].paginator.count == listed
        assert len(response.context["page"].object_list) == listed
        assert response.context["acceptable"] == 2  # the pending ones whose recommendation decides
