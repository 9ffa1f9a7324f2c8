"""The audit trail in words: changes as "field: before → after" lines, object types by readable name in
the filter (an unknown one a form error), the CSV left as stored."""

import csv
import json
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from dpms import audit
from tests.factories import audit_event

pytestmark = pytest.mark.django_db

URL = reverse("audit_trail")
CSV_URL = reverse("audit_trail_csv")


def changes_cell(response, event) -> str:
    """The Changes cell of the event's row, as HTML."""
    html = response.content.decode()
    row = html[html.index(f'<td data-label="#">{event.sequence}</td>') :]
    cell = row[row.index('<td data-label="Changes"') :]
    return cell[: cell.index("</td>")]


def test_an_update_reads_field_before_and_after(client_for, auditor, staff):
    before = {"full_name": "Sam Staff", "job_title": "Clerk", "decision": "same"}
    after = {"full_name": "Sam Staffer", "job_title": "Clerk", "decision": "same"}
    event = audit_event(action="people.user.update", obj=staff, changes=audit.diff(before, after))

    cell = changes_cell(client_for(auditor).get(URL), event)

    assert '<span class="audit-field">Full name:</span>' in cell
    assert '<del class="audit-old">Sam Staff</del>' in cell
    assert '<ins class="audit-new">Sam Staffer</ins>' in cell
    assert "Job title" not in cell  # unchanged fields are not listed
    assert "{" not in cell  # no Python dict
    assert "[" not in cell  # nor list


def test_a_creation_lists_its_values_and_choices_by_their_names(client_for, auditor):
    event = audit_event(
        action="access.item.create",
        object_type="access.reviewitem",
        object_id="7",
        object_label="Item 7",
        changes={"created": {"decision": "exception", "justification": "Needed for the audit"}},
    )

    cell = changes_cell(client_for(auditor).get(URL), event)

    assert '<span class="audit-field">Created with:</span>' in cell
    assert '<span class="audit-field">Decision:</span> Keep until a date' in cell  # not "exception"
    assert '<span class="audit-field">Justification:</span> Needed for the audit' in cell


def test_a_deletion_shows_what_was_there(client_for, auditor):
    event = audit_event(
        action="people.team.delete",
        object_type="dpms.team",
        object_id="3",
        object_label="Sales",
        changes={"name": "Sales", "description": ""},
    )

    cell = changes_cell(client_for(auditor).get(URL), event)

    assert '<span class="audit-field">Deleted; it was:</span>' in cell
    assert '<span class="audit-field">Name:</span> Sales' in cell
    assert '<span class="audit-field">Description:</span> <span class="muted">—</span>' in cell


def test_moments_read_in_the_viewers_zone_and_long_values_fold(client_for, auditor, settings):
    settings.TIME_ZONE = "Europe/Berlin"
    long_text = "The reason, at length. " * 30
    event = audit_event(
        action="access.policy.update",
        object_type="access.reviewpolicy",
        object_id="1",
        changes={
            "next_run_at": [None, "2027-01-01T00:00:00Z"],
            "description": ["Short", long_text],
        },
    )

    cell = changes_cell(client_for(auditor).get(URL), event)

    assert '<ins class="audit-new">1 Jan 2027, 01:00</ins>' in cell  # midnight UTC is 01:00 in Berlin
    assert "2027-01-01" not in cell
    assert '<details class="audit-long"><summary>The reason, at length. The reason' in cell
    assert f'<span class="audit-full">{long_text}</span>' in cell  # the whole value, a click away


def test_the_csv_keeps_the_changes_as_stored(client_for, auditor):
    changes = {"next_run_at": [None, "2027-01-01T00:00:00Z"]}
    audit_event(action="access.policy.update", object_type="access.reviewpolicy", changes=changes)

    response = client_for(auditor).get(CSV_URL)

    rows = list(csv.DictReader(b"".join(response.streaming_content).decode().splitlines()))
    [row] = [row for row in rows if row["action"] == "access.policy.update"]
    assert json.loads(row["changes"]) == changes


def test_the_type_filter_offers_the_trails_types_by_name_and_filters(client_for, auditor, staff):
    about_staff = audit_event(action="people.user.update", obj=staff)
    about_item = audit_event(action="access.item.decide", object_type="access.reviewitem", object_id="9")
    client = client_for(auditor)

    page = client.get(URL)
    html = page.content.decode()
    assert '<option value="access.reviewitem">Review item</option>' in html
    assert '<option value="dpms.user">Person</option>' in html
    assert '<option value="risk.risk">' not in html  # no risk event in this trail
    assert '<span class="muted small">Review item #9</span>' in html  # the table names it too

    found = client.get(URL, {"object_type": "access.reviewitem"})
    assert [event.sequence for event in found.context["page"].object_list] == [about_item.sequence]
    assert about_staff.sequence not in [event.sequence for event in found.context["page"].object_list]


@pytest.mark.parametrize("value", ["incidents.nosuchthing", "risk.risk", "<script>", "x" * 300])
def test_an_unknown_type_is_a_form_error_not_a_failure(client_for, auditor, value):
    audit_event(action="people.user.update", object_type="dpms.user", object_id="1")

    response = client_for(auditor).get(URL, {"object_type": value})

    assert response.status_code == 200
    assert "object_type" in response.context["form"].errors
    assert list(response.context["page"].object_list) == []
    assert b"Select a valid choice" in response.content
    assert client_for(auditor).get(CSV_URL, {"object_type": "incidents.nosuchthing"}).status_code == 400


def test_the_api_filter_accepts_any_model_type_and_refuses_others(client_for, auditor):
    audit_event(action="test.kind", object_type="risk.risk", object_id="1", object_label="R-001")
    client = client_for(auditor)

    assert client.get("/api/v1/audit-events/", {"object_type": "risk.risk"}).status_code == 200
    assert client.get("/api/v1/audit-events/", {"object_type": "risk.nothing"}).status_code == 400


def test_a_day_is_one_format_in_the_changes(client_for, auditor):
    event = audit_event(
        action="access.policy.update",
        object_type="access.reviewpolicy",
        changes={"start_date": ["2026-01-01", "2026-12-02"]},
        object_label=f"policy {datetime(2026, 1, 1, tzinfo=UTC):%Y}",
    )

    cell = changes_cell(client_for(auditor).get(URL), event)

    assert '<del class="audit-old">1 Jan 2026</del>' in cell
    assert '<ins class="audit-new">2 Dec 2026</ins>' in cell


@pytest.mark.parametrize("size", [4, 60])
def test_reading_the_changes_costs_no_query(client_for, auditor, staff, size, django_assert_num_queries):
    """Labels, choice names and type names come from the models: 15 queries whatever the events say (the
    same as test_audit_trail_page's count), with creations naming related rows and updates of choices."""
    for n in range(size // 4):
        audit_event(
            action="people.user.create",
            obj=staff,
            changes={"created": {"team": "Finance", "manager": "boss@example.com", "email": f"p{n}@e.com"}},
        )
        audit_event(
            action="access.item.decide",
            object_type="access.reviewitem",
            object_id=str(n),
            changes={"decision": ["pending", "revoke"], "reviewer": n, "privileged": True},
        )
        audit_event(action="people.team.delete", object_type="dpms.team", changes={"name": f"T{n}"})
        audit_event(
            action="risk.risk.update", object_type="risk.risk", changes={"status": ["open", "closed"]}
        )
    client = client_for(auditor)
    client.get(URL)

    with django_assert_num_queries(15):
        response = client.get(URL)

    assert response.content.count(b'<ul class="audit-changes">') >= size


# --- Actions in words ----------------------------------------------------------------------------------


def action_cell(response, event) -> str:
    """The Action cell of the event's row, as HTML."""
    html = response.content.decode()
    row = html[html.index(f'<td data-label="#">{event.sequence}</td>') :]
    cell = row[row.index('<td data-label="Action"') :]
    return cell[: cell.index("</td>")]


@pytest.mark.parametrize(
    ("action", "phrase"),
    [
        ("access.item.decide", "Review item decided"),
        ("access.campaign.launch", "Campaign launched"),
        ("access.request.withdraw", "Access request withdrawn"),
        ("access.grant.time_box", "Grant time-boxed"),
        ("auth.sign_in", "Signed in"),
        ("auth.mfa.enrol", "MFA enrolled"),
        ("incident.acknowledge", "Incident acknowledged"),
        ("incident.attachment_added", "Incident attachment added"),
        ("risk.risk.status", "Risk status changed"),
        ("risk.acceptance.approve", "Risk acceptance approved"),
        ("people.user.send_invitation", "User invitation sent"),
        ("directory.connection.rotate_token", "Directory connection token rotated"),
        ("webhooks.webhook.disabled", "Webhook disabled"),
    ],
)
def test_the_action_reads_as_a_phrase_with_the_stored_name_kept(client_for, auditor, action, phrase):
    event = audit_event(action=action)

    cell = action_cell(client_for(auditor).get(URL), event)

    assert f'<span class="audit-action" title="{action}">{phrase}</span>' in cell
    assert f'<code class="muted small">{action}</code>' in cell  # auditors filter by it


def test_a_name_that_is_not_object_and_verb_is_shown_as_stored(client_for, auditor):
    event = audit_event(action="reindex")

    cell = action_cell(client_for(auditor).get(URL), event)

    assert '<span class="audit-action" title="reindex">reindex</span>' in cell


def test_the_action_filter_still_takes_the_stored_name(client_for, auditor):
    decided = audit_event(action="access.item.decide")
    launched = audit_event(action="access.campaign.launch")
    client = client_for(auditor)

    response = client.get(URL, {"action": "access.item.decide"})

    shown = {event.pk for event in response.context["page"].object_list}
    assert decided.pk in shown
    assert launched.pk not in shown
    assert b'label="access.item.decide: Review item decided"' in client.get(URL).content
