"""Follow-up pages: who sees which follow-up, who resolves one (with a note, audited, the person told), the
list's filters and its query count at two sizes, and the CSV of "no" answers."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent, Notification
from policies.choices import Audience, FollowUpStatus
from tests.factories import TeamFactory, UserFactory
from tests.policies.factories import AssignmentFactory, FollowUpFactory, PolicyFactory

pytestmark = pytest.mark.django_db

LIST = reverse("policies:follow_ups")


@pytest.fixture
def follow_up(staff):
    """Sam Staff's "no" to the disk-encryption question; Mona Manager is his manager."""
    return FollowUpFactory(answer__assignment__person=staff)


def detail(follow_up):
    return reverse("policies:follow_up_detail", args=[follow_up.pk])


def resolve(follow_up):
    return reverse("policies:follow_up_resolve", args=[follow_up.pk])


def test_anonymous_visitors_are_sent_to_sign_in(client, follow_up):
    for target in (LIST, detail(follow_up), reverse("policies:follow_ups_csv")):
        response = client.get(target)
        assert response.status_code == 302
        assert "/login" in response.url
    response = client.post(resolve(follow_up), {"resolution": "Done"})
    assert response.status_code == 302
    assert "/login" in response.url


def test_the_detail_ladder(
    client_for, follow_up, staff, manager, second_report, outsider, auditor, security_officer
):
    assert client_for(outsider).get(detail(follow_up)).status_code == 404
    assert client_for(second_report).get(detail(follow_up)).status_code == 404  # a colleague: not theirs
    for reader in (staff, manager, auditor, security_officer):
        assert client_for(reader).get(detail(follow_up)).status_code == 200


def test_the_person_and_their_manager_see_it_in_their_list_and_others_do_not(
    client_for, follow_up, staff, manager, outsider
):
    for reader in (staff, manager):
        page = client_for(reader).get(LIST).content.decode()
        assert detail(follow_up) in page, reader
    assert detail(follow_up) not in client_for(outsider).get(LIST).content.decode()


def test_the_managers_reports_scope_leaves_out_their_own(client_for, follow_up, manager, staff):
    own = FollowUpFactory(answer__assignment__person=manager)
    page = client_for(manager).get(LIST, {"scope": "team"}).content.decode()
    assert detail(follow_up) in page
    assert detail(own) not in page
    page = client_for(manager).get(LIST, {"scope": "mine"}).content.decode()
    assert detail(own) in page
    assert detail(follow_up) not in page


def test_officers_see_every_open_one_filtered_by_team_and_overdue(client_for, security_officer, follow_up):
    other = FollowUpFactory(
        answer__assignment__person=UserFactory(team=TeamFactory(name="Sales")),
        due_at=timezone.now() - datetime.timedelta(days=1),
    )
    client = client_for(security_officer)
    page = client.get(LIST).content.decode()
    assert detail(follow_up) in page
    assert detail(other) in page
    page = client.get(LIST, {"scope": "all", "overdue": "on"}).content.decode()
    assert detail(other) in page
    assert detail(follow_up) not in page
    sales = other.person.team
    page = client.get(LIST, {"scope": "all", "team": sales.pk}).content.decode()
    assert detail(other) in page
    assert detail(follow_up) not in page
    page = client.get(LIST, {"scope": "all", "policy": follow_up.answer.assignment.campaign.policy_id})
    assert detail(follow_up) in page.content.decode()
    assert detail(other) not in page.content.decode()


def test_a_resolved_follow_up_leaves_the_default_list(client_for, security_officer, follow_up):
    follow_up.status = FollowUpStatus.RESOLVED
    follow_up.save()
    client = client_for(security_officer)
    assert detail(follow_up) not in client.get(LIST).content.decode()
    assert detail(follow_up) in client.get(LIST, {"scope": "all", "status": "any"}).content.decode()


def test_a_bad_filter_is_ignored_on_the_page_and_refused_by_the_csv(client_for, security_officer, follow_up):
    client = client_for(security_officer)
    response = client.get(LIST, {"team": "99999999999999999999999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert client.get(reverse("policies:follow_ups_csv"), {"policy": "x"}).status_code == 400


def test_the_manager_resolves_with_a_note_audited_and_the_person_is_told(
    client_for, follow_up, manager, staff
):
    response = client_for(manager).post(resolve(follow_up), {"resolution": "IT turned encryption on today."})
    assert response.status_code == 302
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.RESOLVED
    assert follow_up.resolved_by == manager
    assert follow_up.resolution == "IT turned encryption on today."
    event = AuditEvent.objects.get(action="policy.followup.resolve")
    assert event.actor == manager
    assert event.object_id == str(follow_up.pk)
    note = Notification.objects.get(recipient=staff, dedup_key=f"policy-follow-up-resolved:{follow_up.pk}")
    assert "IT turned encryption on today." in note.body


def test_a_resolution_needs_a_note(client_for, follow_up, manager):
    response = client_for(manager).post(resolve(follow_up), {"resolution": "   "})
    assert response.status_code == 400
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN
    assert not AuditEvent.objects.filter(action="policy.followup.resolve").exists()


def test_who_may_resolve(client_for, follow_up, staff, auditor, outsider, security_officer):
    assert client_for(outsider).post(resolve(follow_up), {"resolution": "x"}).status_code == 404
    assert client_for(staff).post(resolve(follow_up), {"resolution": "x"}).status_code == 403  # their own
    assert client_for(auditor).post(resolve(follow_up), {"resolution": "x"}).status_code == 403
    assert 'data-testid="resolve-button"' not in client_for(staff).get(detail(follow_up)).content.decode()
    assert (
        client_for(security_officer).post(resolve(follow_up), {"resolution": "Checked."}).status_code == 302
    )
    # Resolved: nobody resolves it again.
    assert client_for(security_officer).post(resolve(follow_up), {"resolution": "Again"}).status_code == 403


def test_resolving_is_post_only(client_for, follow_up, manager):
    assert client_for(manager).get(resolve(follow_up)).status_code == 405


def test_the_csv_lists_the_no_answers_for_officers_and_auditors_only(
    client_for, follow_up, auditor, manager, staff
):
    assert client_for(manager).get(reverse("policies:follow_ups_csv")).status_code == 403
    response = client_for(auditor).get(reverse("policies:follow_ups_csv"), {"scope": "all"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    assert rows[0]["email"] == staff.email
    assert rows[0]["answer"] == "no"
    assert rows[0]["explanation"] == follow_up.answer.explanation
    assert rows[0]["status"] == "open"


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_costs_the_same_at_any_size(client_for, security_officer, size, django_assert_num_queries):
    team = TeamFactory(name="Ops")
    campaign = AssignmentFactory().campaign
    for _n in range(size):
        person = UserFactory(team=team, manager=UserFactory())
        FollowUpFactory(answer__assignment__campaign=campaign, answer__assignment__person=person)
    client = client_for(security_officer)
    client.get(LIST)
    # 16 queries: session and user (2); allauth's user-session tracking: savepoint, select session, select
    # its user, update last seen, release (5); the viewer's groups (1); the count of rows (1); the header's
    # unread count (1); the filter's policies and teams (2); the page of rows with their person, team,
    # manager, question, campaign, policy and version (1); saving the sliding session (3).
    with django_assert_num_queries(16):
        response = client.get(LIST)
    assert response.status_code == 200
    assert response.context["page"].paginator.count == size


def test_the_policy_filter_offers_only_policies_the_person_may_read(client_for, follow_up, staff):
    hidden = PolicyFactory(title="Board members only", audience=Audience.TEAMS)
    hidden.teams.set([TeamFactory(name="Board")])
    page = client_for(staff).get(LIST).content.decode()
    assert follow_up.answer.assignment.campaign.policy.title in page
    assert "Board members only" not in page
