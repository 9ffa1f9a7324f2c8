"""The reviewer's queue and the review item page: who sees what, deciding with and without htmx, bulk keep,
a security officer's override and reassignment, and the dashboard panel."""

import pytest
from django.urls import reverse

from access.choices import CampaignStatus, Decision, Recommendation
from access.models import ReviewItem
from access.queries import reviews as queries
from dpms.models import AuditEvent
from tests.access.factories import GrantFactory, ReviewCampaignFactory, ReviewItemFactory
from tests.dashboard_support import dashboard_html

pytestmark = pytest.mark.django_db

QUEUE = reverse("access:review_queue")


@pytest.fixture
def campaign():
    return ReviewCampaignFactory(name="Q4 access review")


@pytest.fixture
def item(campaign, manager, staff):
    return ReviewItemFactory(
        campaign=campaign,
        reviewer=manager,
        grant__user=staff,
        grant__role__name="Ledger clerk",
        grant__role__system__name="Ledger",
        recommendation=Recommendation.INACTIVE,
        recommendation_reason="No sign-in for 45 days",
    )


def item_url(item, name="review_item"):
    return reverse(f"access:{name}", args=[item.pk])


# --- the permission ladder -------------------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["review_item", "review_item_decide", "review_item_reassign"])
def test_anonymous_visitors_are_sent_to_sign_in(client, item, url_name):
    response = (
        client.get(item_url(item, url_name))
        if url_name == "review_item"
        else client.post(item_url(item, url_name))
    )
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_anonymous_visitors_are_sent_to_sign_in_from_the_queue(client):
    for response in (client.get(QUEUE), client.post(reverse("access:review_bulk_keep"))):
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize(
    ("persona", "status"), [("manager", 200), ("security_officer", 200), ("auditor", 200)]
)
def test_the_item_page_is_for_its_reviewer_security_officers_and_auditors(
    client_for, personas, item, persona, status
):
    assert client_for(personas[persona]).get(item_url(item)).status_code == status


@pytest.mark.parametrize("persona", ["staff", "outsider", "admin"])
def test_anyone_else_gets_404_on_an_item(client_for, personas, item, persona):
    assert client_for(personas[persona]).get(item_url(item)).status_code == 404
    response = client_for(personas[persona]).post(
        item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "keep"}
    )
    assert response.status_code == 404


def test_another_manager_gets_404_on_the_item(client_for, item, outsider):
    ReviewItemFactory(campaign=item.campaign, reviewer=outsider)  # outsider reviews something else
    assert client_for(outsider).get(item_url(item)).status_code == 404


def test_the_auditor_reads_but_gets_403_on_decide_and_reassign(client_for, item, auditor, second_report):
    client = client_for(auditor)
    assert (
        client.post(item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "keep"}).status_code
        == 403
    )
    response = client.post(
        item_url(item, "review_item_reassign"), {"new_reviewer": second_report.email, "reason": "x"}
    )
    assert response.status_code == 403
    item.refresh_from_db()
    assert (item.decision, item.reviewer_id) == (Decision.PENDING, item.reviewer_id)


def test_the_reviewer_gets_403_on_reassign(client_for, item, manager, second_report):
    response = client_for(manager).post(
        item_url(item, "review_item_reassign"), {"new_reviewer": second_report.email, "reason": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("persona", ["staff", "manager", "security_officer", "auditor", "outsider"])
def test_everyone_signed_in_opens_their_own_queue(client_for, personas, persona):
    assert client_for(personas[persona]).get(QUEUE).status_code == 200


# --- the queue -------------------------------------------------------------------------------------------


def test_the_queue_shows_only_the_reviewers_items_with_their_context(
    client_for, item, manager, staff, outsider
):
    GrantFactory(role=item.role, user__team=staff.team)  # a colleague holds the role too
    ReviewItemFactory(campaign=item.campaign, reviewer=outsider, grant__role__system__name="Payroll")
    response = client_for(manager).get(QUEUE)
    page = response.content.decode()
    assert "<strong>Ledger</strong> · Ledger clerk" in page
    assert "Payroll" not in page
    assert "Holder inactive" in page
    assert "No sign-in for 45 days" in page
    # The rows leave out how many of the holder's team hold the role; the API's queue gives it.
    [row] = queries.queue_for_user(manager)
    assert row.same_team_holders == 2  # the holder and the colleague


def test_items_of_closed_campaigns_leave_the_queue(client_for, item, manager):
    ReviewCampaignFactory._meta.model.objects.filter(pk=item.campaign_id).update(status=CampaignStatus.CLOSED)
    assert "Ledger clerk" not in client_for(manager).get(QUEUE).content.decode()


def test_the_queue_filters_by_decision_and_privilege(client_for, item, manager, campaign):
    privileged = ReviewItemFactory(campaign=campaign, reviewer=manager, grant__role__privileged=True)
    client = client_for(manager)
    only_privileged = client.get(QUEUE, {"privileged": "yes"}).context["page"].object_list
    assert [i.pk for i in only_privileged] == [privileged.pk]
    ReviewItem.objects.filter(pk=item.pk).update(decision=Decision.KEEP)
    decided = client.get(QUEUE, {"state": "decided"}).context["page"].object_list
    assert [i.pk for i in decided] == [item.pk]


def test_security_officers_see_items_escalated_to_them_in_their_queue(client_for, item, security_officer):
    client = client_for(security_officer)
    assert list(client.get(QUEUE).context["page"].object_list) == []
    ReviewItem.objects.filter(pk=item.pk).update(escalation_level=2)
    assert [i.pk for i in client.get(QUEUE).context["page"].object_list] == [item.pk]


def test_selection_checkboxes_on_pending_items_privileged_too(client_for, item, manager, campaign):
    privileged = ReviewItemFactory(campaign=campaign, reviewer=manager, grant__role__privileged=True)
    decided = ReviewItemFactory(campaign=campaign, reviewer=manager, decision=Decision.KEEP)
    page = client_for(manager).get(QUEUE, {"state": "all"}).content.decode()
    assert f'id="select-{item.pk}"' in page
    assert f'id="select-{privileged.pk}"' in page
    assert f'id="row-{decided.pk}"' in page
    assert f'id="select-{decided.pk}"' not in page


# --- deciding --------------------------------------------------------------------------------------------


def test_deciding_without_javascript_redirects_back_to_the_queue(client_for, item, manager):
    response = client_for(manager).post(
        item_url(item, "review_item_decide"),
        {f"item{item.pk}-decision": "revoke", f"item{item.pk}-justification": "Moved teams.", "next": QUEUE},
    )
    assert response.status_code == 302
    assert response.url == QUEUE
    item.refresh_from_db()
    assert (item.decision, item.decided_by) == (Decision.REVOKE, manager)


def test_an_htmx_decision_returns_the_row_and_the_progress_counter(client_for, item, manager):
    response = client_for(manager).post(
        item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "keep"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert page.lstrip().startswith(f'<tr id="row-{item.pk}" class="queue-row decided"')
    assert 'id="queue-progress"' in page
    assert 'hx-swap-oob="true"' in page
    assert "0 left</strong> · 1 of 1 decided" in page
    assert "<html" not in page


def test_an_htmx_decision_missing_its_justification_shows_the_error_in_the_row(client_for, item, manager):
    response = client_for(manager).post(
        item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "revoke"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert "A justification is required" in response.content.decode()
    item.refresh_from_db()
    assert item.decision == Decision.PENDING


def test_a_decision_missing_its_justification_is_a_form_error_without_javascript(client_for, item, manager):
    response = client_for(manager).post(
        item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "revoke"}
    )
    assert response.status_code == 400
    assert "A justification is required" in response.content.decode()


def test_a_bad_decision_value_is_a_400_not_a_500(client_for, item, manager):
    response = client_for(manager).post(
        item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "delete"}
    )
    assert response.status_code == 400


def test_deciding_after_close_is_refused_on_the_page(client_for, item, manager):
    ReviewCampaignFactory._meta.model.objects.filter(pk=item.campaign_id).update(status=CampaignStatus.CLOSED)
    client = client_for(manager)
    assert "decisions are frozen" in client.get(item_url(item)).content.decode()
    response = client.post(item_url(item, "review_item_decide"), {f"item{item.pk}-decision": "keep"})
    assert response.status_code == 400
    assert "frozen" in response.content.decode()


def test_bulk_keep_from_the_queue(client_for, item, manager, campaign, second_report):
    other = ReviewItemFactory(campaign=campaign, reviewer=manager, grant__user=second_report)
    response = client_for(manager).post(
        reverse("access:review_bulk_keep"), {"items": [item.pk, other.pk], "justification": "Daily work."}
    )
    assert response.status_code == 302
    assert set(ReviewItem.objects.values_list("decision", "bulk")) == {(Decision.KEEP, True)}


def test_bulk_keep_with_a_decided_item_is_refused_with_a_message(client_for, item, manager, campaign):
    decided = ReviewItemFactory(campaign=campaign, reviewer=manager, decision=Decision.REVOKE)
    response = client_for(manager).post(
        reverse("access:review_bulk_keep"), {"items": [item.pk, decided.pk], "justification": "All fine."}
    )
    assert response.status_code == 400
    assert "Only pending items are kept in bulk" in response.content.decode()
    assert ReviewItem.objects.get(pk=item.pk).decision == Decision.PENDING


def test_bulk_keep_of_someone_elses_item_is_refused(client_for, item, outsider):
    response = client_for(outsider).post(
        reverse("access:review_bulk_keep"), {"items": [item.pk], "justification": "Mine now."}
    )
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.decision == Decision.PENDING


# --- security officer, history, dashboard ----------------------------------------------------------------


def test_security_officer_overrides_and_reassigns_from_the_item_page(
    client_for, item, security_officer, second_report
):
    client = client_for(security_officer)
    assert "Decide on the reviewer's behalf (override)" in client.get(item_url(item)).content.decode()
    client.post(
        item_url(item, "review_item_decide"),
        {f"item{item.pk}-decision": "revoke", f"item{item.pk}-justification": "Left the project."},
    )
    response = client.post(
        item_url(item, "review_item_reassign"), {"new_reviewer": second_report.email, "reason": "On leave."}
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.decision, item.override, item.reviewer) == (Decision.REVOKE, True, second_report)
    history = client.get(item_url(item)).content.decode()
    assert "access.item.override" in history
    assert "access.item.reassign" in history


def test_reassigning_to_an_unknown_email_is_a_form_error(client_for, item, security_officer):
    response = client_for(security_officer).post(
        item_url(item, "review_item_reassign"), {"new_reviewer": "nobody@example.com", "reason": "x"}
    )
    assert response.status_code == 400
    assert "No active person" in response.content.decode()
    assert not AuditEvent.objects.filter(action="access.item.reassign").exists()


def test_the_dashboard_shows_the_reviewers_queue_panel(client_for, item, manager, staff):
    page = dashboard_html(client_for(manager))
    assert "Your access review queue" in page
    assert "1 item pending of 1" in page
    assert "Your access review queue" not in dashboard_html(client_for(staff))


def test_a_refused_row_asks_for_the_justification_and_keeps_the_decision_asked(client_for, item, manager):
    """The row asks for a justification only when the rule wants one: it comes back with the decision the
    person chose and a field for the reason, and nothing is recorded until it is given."""
    client = client_for(manager)
    prefix = f"item{item.pk}"
    refused = client.post(
        item_url(item, "review_item_decide"), {f"{prefix}-decision": "revoke"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'class="queue-row asking"' in refused
    assert f'<input type="hidden" name="{prefix}-decision" value="revoke">' in refused
    assert f'name="{prefix}-justification" id="justify-{item.pk}"' in refused
    assert "A justification is required for a revoke decision." in refused
    kept = client.post(
        item_url(item, "review_item_decide"), {f"{prefix}-decision": "keep"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "asking" not in kept  # a non-privileged keep needs no reason: decided at once
    assert 'value="keep" class="keep secondary" data-key="y" aria-pressed="true"' in kept


def test_the_row_escapes_what_a_person_typed(client_for, item, manager):
    client = client_for(manager)
    prefix = f"item{item.pk}"
    row = client.post(
        item_url(item, "review_item_decide"),
        {f"{prefix}-decision": "revoke", f"{prefix}-justification": '<script>alert("x")</script>'},
        HTTP_HX_REQUEST="true",
    ).content.decode()
    assert "<script>alert" not in row
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in row
