"""Campaign pages for officers and auditors: the permission ladder, the list's filters, a campaign's honest
numbers and its progress per team (fixed queries at two sizes), the pending list, the launch with the
policy's questions editable, the close with a confirmation, and the evidence downloads that verify offline."""

import datetime
import hashlib
import json

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import AssignmentStatus, CampaignKind, CampaignStatus, QuestionKind
from policies.models import AttestationQuestion, PolicyCampaign
from tests.factories import TeamFactory, UserFactory
from tests.policies.factories import (
    AssignmentFactory,
    CampaignFactory,
    PolicyVersionFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db

LIST = reverse("policies:campaigns")
LAUNCH = reverse("policies:campaign_launch")


def url(name, *args):
    return reverse(f"policies:{name}", args=args)


@pytest.fixture
def campaign(staff, second_report, outsider):
    """Sam and Rita (Finance) and Otto (Sales) asked; Rita done."""
    campaign = CampaignFactory(name="Acceptable use 2026")
    AssignmentFactory(campaign=campaign, person=staff)
    AssignmentFactory(
        campaign=campaign, person=second_report, status=AssignmentStatus.DONE, done_at=timezone.now()
    )
    AssignmentFactory(campaign=campaign, person=outsider)
    return campaign


def test_anonymous_visitors_are_sent_to_sign_in(client, campaign):
    for target in (LIST, LAUNCH, url("campaign_detail", campaign.pk), url("campaign_pending", campaign.pk)):
        response = client.get(target)
        assert response.status_code == 302
        assert "/login" in response.url


def test_the_ladder(client_for, campaign, staff, manager, auditor, security_officer):
    pages = [LIST, url("campaign_detail", campaign.pk), url("campaign_pending", campaign.pk)]
    for person in (staff, manager):
        for target in pages:
            assert client_for(person).get(target).status_code == 403, (person, target)
        assert client_for(person).get(LAUNCH).status_code == 403
    for reader in (auditor, security_officer):
        for target in pages:
            assert client_for(reader).get(target).status_code == 200, (reader, target)
    assert client_for(auditor).get(LAUNCH).status_code == 403  # auditors read, they launch nothing
    assert client_for(auditor).get(url("campaign_close", campaign.pk)).status_code == 403
    assert client_for(security_officer).get(LAUNCH).status_code == 200
    assert client_for(security_officer).get(url("campaign_detail", 999999)).status_code == 404


def test_the_detail_shows_honest_numbers_and_progress_per_team(client_for, auditor, campaign):
    AssignmentFactory(campaign=campaign, status=AssignmentStatus.EXCUSED)
    response = client_for(auditor).get(url("campaign_detail", campaign.pk))
    numbers = response.context["numbers"]
    assert (numbers.total, numbers.done, numbers.pending, numbers.excused) == (4, 1, 2, 1)
    assert numbers.done_percent == 33  # one of the three still asked; the excused one is out
    teams = {row.team: row for row in response.context["team_rows"]}
    assert (teams["Finance"].people, teams["Finance"].done, teams["Finance"].pending) == (2, 1, 1)
    assert (teams["Sales"].people, teams["Sales"].pending) == (1, 1)
    assert teams["Finance"].overdue == 0  # not due yet
    assert list(teams)[0] in ("Finance", "Sales")  # the teams with the most to do first


def test_pending_people_are_overdue_once_the_campaign_is_past_due(client_for, auditor, campaign):
    PolicyCampaign.objects.filter(pk=campaign.pk).update(due_at=timezone.now() - datetime.timedelta(days=1))
    response = client_for(auditor).get(url("campaign_detail", campaign.pk))
    teams = {row.team: row for row in response.context["team_rows"]}
    assert teams["Finance"].overdue == 1
    assert teams["Sales"].overdue == 1


def test_the_pending_list_filters_by_team(client_for, auditor, campaign, staff, outsider):
    page = client_for(auditor).get(url("campaign_pending", campaign.pk), {"team": "Sales"})
    people = [a.person_id for a in page.context["page"].object_list]
    assert people == [outsider.pk]
    page = client_for(auditor).get(url("campaign_pending", campaign.pk))
    assert {a.person_id for a in page.context["page"].object_list} == {staff.pk, outsider.pk}


def test_the_list_filters_by_policy_status_and_kind(client_for, auditor, campaign):
    closed = CampaignFactory(status=CampaignStatus.CLOSED, kind=CampaignKind.JOINER, name="Joiners Dec")
    client = client_for(auditor)
    names = lambda response: [row["campaign"].name for row in response.context["rows"]]  # noqa: E731
    assert set(names(client.get(LIST))) == {"Acceptable use 2026", "Joiners Dec"}
    assert names(client.get(LIST, {"status": "closed"})) == ["Joiners Dec"]
    assert names(client.get(LIST, {"kind": "adhoc"})) == ["Acceptable use 2026"]
    assert names(client.get(LIST, {"policy": closed.policy_id})) == ["Joiners Dec"]
    response = client.get(LIST, {"policy": "99999999999999999999"})
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


@pytest.mark.parametrize("size", [3, 30])
def test_the_list_and_the_detail_cost_the_same_at_any_size(
    client_for, security_officer, size, django_assert_num_queries
):
    teams = [TeamFactory(name=f"Team {n}") for n in range(3)]
    campaigns = [CampaignFactory() for _ in range(2)]
    for n in range(size):
        person = UserFactory(team=teams[n % 3])
        for campaign in campaigns:
            AssignmentFactory(campaign=campaign, person=person, status=AssignmentStatus.PENDING)
    client = client_for(security_officer)
    client.get(LIST)
    # Every page pays 11: session and user (2); allauth's user-session tracking: savepoint, select session,
    # select its user, update last seen, release (5); the viewer's groups (1); saving the sliding session:
    # savepoint, update, release (3). The list's own 4: the filter's policies (1); the count and the page of
    # campaigns, each with its numbers counted by the database (2); the header's unread count (1).
    with django_assert_num_queries(15):
        assert client.get(LIST).status_code == 200
    # The detail's own 5: the campaign with its numbers (1); the teams' count and their page of grouped
    # counts (2); the header's unread count (1); the campaign's questions (1).
    with django_assert_num_queries(16):
        assert client.get(url("campaign_detail", campaigns[0].pk)).status_code == 200
    # The pending list's own 4: the campaign with its numbers (1); the count and the page of people (2); the
    # header's unread count (1).
    with django_assert_num_queries(15):
        assert client.get(url("campaign_pending", campaigns[0].pk)).status_code == 200


# --- Launch -------------------------------------------------------------------------------------------
@pytest.fixture
def policy_in_force(staff, second_report):
    version = PolicyVersionFactory(policy__title="Acceptable use")
    QuestionFactory(policy=version.policy, text="I use the password manager.", position=1)
    return version.policy


def test_the_launch_form_offers_the_policys_questions_and_launches(
    client_for, security_officer, policy_in_force
):
    client = client_for(security_officer)
    page = client.get(LAUNCH, {"policy": policy_in_force.pk})
    assert page.status_code == 200
    assert "I use the password manager." in page.content.decode()
    due = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "due_on": due.isoformat(),
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "1",
        "q-0-text": "I use the company password manager for every work account",
        "q-0-kind": QuestionKind.YES_NO,
        "q-0-required": "on",
        "q-1-text": "Device serial number",
        "q-1-kind": QuestionKind.TEXT,
    }
    response = client.post(f"{LAUNCH}?policy={policy_in_force.pk}", data)
    assert response.status_code == 302
    campaign = PolicyCampaign.objects.get(policy=policy_in_force)
    assert response.url == url("campaign_detail", campaign.pk)
    texts = list(AttestationQuestion.objects.filter(campaign=campaign).values_list("text", "required"))
    assert texts == [
        ("I use the company password manager for every work account", True),
        ("Device serial number", False),
    ]
    assert timezone.localtime(campaign.due_at).date() == due
    assert AuditEvent.objects.filter(action="policy.campaign.launch").exists()


def test_the_blank_question_row_left_as_the_browser_sends_it_does_not_stop_the_launch(
    client_for, security_officer, policy_in_force
):
    client = client_for(security_officer)
    due = timezone.localdate() + datetime.timedelta(days=10)
    data = {
        "due_on": due.isoformat(),
        "q-TOTAL_FORMS": "2",
        "q-INITIAL_FORMS": "1",
        "q-0-text": "I use the password manager.",
        "q-0-kind": QuestionKind.YES_NO,
        "q-0-required": "on",
        # The extra row as the page sends it untouched: no text, the select's first kind.
        "q-1-text": "",
        "q-1-kind": QuestionKind.YES_NO,
        "q-1-help_text": "",
    }
    response = client.post(f"{LAUNCH}?policy={policy_in_force.pk}", data)
    assert response.status_code == 302
    campaign = PolicyCampaign.objects.get(policy=policy_in_force)
    assert list(AttestationQuestion.objects.filter(campaign=campaign).values_list("text", flat=True)) == [
        "I use the password manager."
    ]


def test_a_bad_launch_is_a_400_and_launches_nothing(client_for, security_officer, policy_in_force):
    client = client_for(security_officer)
    data = {"due_on": "2001-01-01", "q-TOTAL_FORMS": "0", "q-INITIAL_FORMS": "0"}
    response = client.post(f"{LAUNCH}?policy={policy_in_force.pk}", data)
    assert response.status_code == 400
    assert "past" in response.content.decode()
    data["due_on"] = "not a date"
    assert client.post(f"{LAUNCH}?policy={policy_in_force.pk}", data).status_code == 400
    assert not PolicyCampaign.objects.exists()


def test_a_policy_with_no_version_in_force_cannot_launch(client_for, security_officer):
    version = PolicyVersionFactory(effective_date=timezone.localdate() + datetime.timedelta(days=5))
    client = client_for(security_officer)
    due = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    data = {"due_on": due, "q-TOTAL_FORMS": "0", "q-INITIAL_FORMS": "0"}
    response = client.post(f"{LAUNCH}?policy={version.policy_id}", data)
    assert response.status_code == 400
    assert "no version in force" in response.content.decode()


# --- Close and evidence -----------------------------------------------------------------------------------
def test_closing_asks_for_a_confirmation_then_freezes_verifiable_evidence(
    client_for, security_officer, campaign, auditor
):
    client = client_for(security_officer)
    page = client.get(url("campaign_close", campaign.pk))
    assert page.status_code == 200
    assert client.post(url("campaign_close", campaign.pk), {}).status_code == 400  # not confirmed
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN
    assert client.get(url("campaign_evidence_csv", campaign.pk)).status_code == 403  # not closed yet

    response = client.post(url("campaign_close", campaign.pk), {"confirm": "on"})
    assert response.status_code == 302
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.CLOSED

    reader = client_for(auditor)
    detail = reader.get(url("campaign_detail", campaign.pk)).content.decode()
    assert "sha256sum" in detail
    assert campaign.evidence_sha256 in detail
    csv_bytes = b"".join(reader.get(url("campaign_evidence_csv", campaign.pk)).streaming_content)
    manifest = json.loads(reader.get(url("campaign_evidence_manifest", campaign.pk)).content)
    assert hashlib.sha256(csv_bytes).hexdigest() == campaign.evidence_sha256 == manifest["file_sha256"]
    closed_page = client_for(security_officer).get(url("campaign_close", campaign.pk))
    assert closed_page.status_code == 302  # closed: back to its page


def test_a_closed_campaign_shows_each_team_s_no_response_instead_of_an_empty_to_do(
    client_for, security_officer, campaign, auditor
):
    assert (
        client_for(security_officer).post(url("campaign_close", campaign.pk), {"confirm": "on"}).status_code
        == 302
    )
    page = client_for(auditor).get(url("campaign_detail", campaign.pk)).content.decode()
    teams = page[page.index('data-testid="team-progress"') :]
    teams = teams[: teams.index("</table>")]
    assert '<th scope="col">No response</th>' in teams
    assert '<th scope="col">To do</th>' not in teams
    # Finance: Sam never answered, Rita did; Sales: Otto never answered.
    assert teams.count('<td data-label="No response">1</td>') == 2


def test_only_officers_close(client_for, auditor, campaign):
    assert client_for(auditor).post(url("campaign_close", campaign.pk), {"confirm": "on"}).status_code == 403
    campaign.refresh_from_db()
    assert campaign.status == CampaignStatus.OPEN


def test_a_campaign_closing_in_the_background_says_so(client_for, auditor, campaign):
    PolicyCampaign.objects.filter(pk=campaign.pk).update(status=CampaignStatus.CLOSING)
    page = client_for(auditor).get(url("campaign_detail", campaign.pk)).content.decode()
    assert 'data-testid="closing-note"' in page
    assert 'data-testid="evidence-csv"' not in page  # nothing to download until it is closed
    assert client_for(auditor).get(url("campaign_evidence_csv", campaign.pk)).status_code == 403
