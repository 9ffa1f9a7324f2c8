"""My policies, the assignment page, acknowledging from the policy's page, a person's history and answer
files: the permission ladder on each page and POST, the one-button flow, and fixed query counts."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from policies.choices import AssignmentStatus, QuestionKind
from policies.models import Acknowledgement, Answer, FollowUp
from policies.services.attestations import Reply, assignment_complete
from tests.factories import UserFactory
from tests.policies.factories import (
    AssignmentFactory,
    CampaignFactory,
    PolicyFactory,
    PolicyVersionFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def owner(db):
    return UserFactory(email="paul.owner@example.com", full_name="Paul Owner")


@pytest.fixture
def campaign(owner):
    policy = PolicyFactory(title="Workstation security", owner=owner)
    version = PolicyVersionFactory(policy=policy, body="# Laptops\n\nEncrypt the disk.\n")
    return CampaignFactory(version=version)


@pytest.fixture
def disk(campaign):
    return QuestionFactory(policy=None, campaign=campaign, text="My work computer has full-disk encryption.")


@pytest.fixture
def screenshot(campaign):
    return QuestionFactory(
        policy=None, campaign=campaign, kind=QuestionKind.FILE, text="Screenshot", required=False, position=9
    )


@pytest.fixture
def assignment(campaign, staff, disk, screenshot):
    return AssignmentFactory(campaign=campaign, person=staff)


@pytest.fixture
def answered(assignment, staff, disk, screenshot, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assignment_complete(
        actor=staff,
        assignment=assignment,
        answers={
            disk.pk: Reply(yes=False, explanation="Waiting for IT."),
            screenshot.pk: Reply(file=SimpleUploadedFile("status.png", PNG)),
        },
    )
    return assignment


def who(personas, owner, name):
    return owner if name == "owner" else personas[name]


# --- The ladder -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["policies:mine", "policies:my_history"])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("staff", 200),
        ("outsider", 404),
        ("manager", 404),  # the manager reads the answers on the history, never completes them
        ("owner", 404),
        ("auditor", 404),
        ("security_officer", 404),
    ],
)
def test_only_the_assignee_opens_and_posts_the_assignment(
    client_for, personas, owner, assignment, disk, name, expected
):
    url = reverse("policies:assignment", args=[assignment.pk])
    client = client_for(who(personas, owner, name))
    assert client.get(url).status_code == expected
    response = client.post(url, {f"q{disk.pk}": "yes"})
    assert response.status_code == (302 if expected == 200 else expected)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("staff", 200),
        ("manager", 200),
        ("outsider", 404),
        ("owner", 404),  # owning a policy shows no one's answers
        ("auditor", 200),
        ("security_officer", 200),
    ],
)
def test_who_reads_a_person_s_history_and_files(client_for, personas, owner, staff, answered, name, expected):
    client = client_for(who(personas, owner, name))
    assert client.get(reverse("policies:person_history", args=[staff.pk])).status_code == expected
    answer = Answer.objects.exclude(file="").get()
    response = client.get(reverse("policies:answer_file", args=[answer.pk]))
    assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == PNG
        assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
        assert "attachment" in response["Content-Disposition"]


def test_acknowledging_from_the_page_is_for_people_who_read_the_policy(
    client_for, outsider, staff, team, owner
):
    policy = PolicyFactory(owner=owner, audience="teams")
    policy.teams.set([team])
    PolicyVersionFactory(policy=policy)
    url = reverse("policies:acknowledge", args=[policy.pk])
    assert client_for(outsider).post(url, {"version": 1}).status_code == 404
    assert client_for(staff).post(url, {"version": 1}).status_code == 302
    assert Acknowledgement.objects.filter(person=staff).count() == 1
    assert not Acknowledgement.objects.filter(person=outsider).exists()


def test_acknowledging_needs_a_post(client_for, staff, campaign):
    url = reverse("policies:acknowledge", args=[campaign.policy.pk])
    assert client_for(staff).get(url).status_code == 405


# --- The flow -------------------------------------------------------------------------------------------


def test_my_policies_lists_what_is_pending_first_with_overdue_marked(client_for, staff, assignment, owner):
    late = CampaignFactory(
        version=PolicyVersionFactory(policy=PolicyFactory(title="Clean desk", owner=owner)),
        due_at=timezone.now() - datetime.timedelta(days=2),
    )
    AssignmentFactory(campaign=late, person=staff)
    response = client_for(staff).get(reverse("policies:mine"))
    assert [a.campaign.policy.title for a in response.context["pending"]] == [
        "Clean desk",
        "Workstation security",
    ]
    page = response.content.decode()
    assert "Overdue since" in page
    assert page.index("Clean desk") < page.index("Policies that apply to you")


def test_a_no_without_explanation_is_shown_on_the_form_and_nothing_is_saved(
    client_for, staff, assignment, disk
):
    response = client_for(staff).post(
        reverse("policies:assignment", args=[assignment.pk]), {f"q{disk.pk}": "no"}
    )
    assert response.status_code == 400
    assert response.context["form"].errors[f"q{disk.pk}_explanation"]
    assert "Explain your “no”" in response.content.decode()
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    assert not Acknowledgement.objects.exists()


def test_one_button_acknowledges_and_answers(
    client_for, staff, manager, assignment, disk, screenshot, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client = client_for(staff)
    page = client.get(reverse("policies:assignment", args=[assignment.pk])).content.decode()
    assert page.count("I have read and acknowledge this policy") == 1  # one button for everything
    response = client.post(
        reverse("policies:assignment", args=[assignment.pk]),
        {
            f"q{disk.pk}": "no",
            f"q{disk.pk}_explanation": "IT turns it on next week.",
            f"q{screenshot.pk}_file": SimpleUploadedFile("bitlocker.png", PNG),
        },
    )
    assert response.status_code == 302
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    assert FollowUp.objects.get().manager == manager
    history = client.get(reverse("policies:my_history")).content.decode()
    assert "IT turns it on next week." in history
    assert "bitlocker.png" in history
    assert "Follow-up open" in history


def test_a_refused_file_is_named_on_the_form(client_for, staff, assignment, disk, screenshot):
    response = client_for(staff).post(
        reverse("policies:assignment", args=[assignment.pk]),
        {f"q{disk.pk}": "yes", f"q{screenshot.pk}_file": SimpleUploadedFile("status.png", b"MZ\x90\x00" * 8)},
    )
    assert response.status_code == 400
    assert "is not a file type we accept" in str(response.context["form"].errors[f"q{screenshot.pk}_file"])


def test_a_done_assignment_shows_what_was_answered(client_for, staff, answered):
    page = client_for(staff).get(reverse("policies:assignment", args=[answered.pk])).content.decode()
    assert "You completed this" in page
    assert "Waiting for IT." in page
    assert "I have read and acknowledge" not in page


def test_the_acknowledge_button_names_the_version_read(client_for, staff, owner):
    policy = PolicyFactory(owner=owner)
    PolicyVersionFactory(
        policy=policy, number=1, effective_date=timezone.localdate() - datetime.timedelta(days=9)
    )
    PolicyVersionFactory(policy=policy, number=2, effective_date=timezone.localdate(), body="New")
    client = client_for(staff)
    client.post(reverse("policies:acknowledge", args=[policy.pk]), {"version": 1})  # a page opened before v2
    assert not Acknowledgement.objects.exists()
    client.post(reverse("policies:acknowledge", args=[policy.pk]), {"version": 2})
    assert Acknowledgement.objects.get().version.number == 2


# --- Query counts ---------------------------------------------------------------------------------------


def _policies_with_assignments(person, owner, size):
    for n in range(size):
        version = PolicyVersionFactory(policy=PolicyFactory(title=f"Policy {n:02}", owner=owner))
        if n % 2:
            AssignmentFactory(campaign=CampaignFactory(version=version), person=person)


@pytest.mark.parametrize("size", [2, 8])
def test_my_policies_costs_the_same_at_any_size(client_for, staff, owner, size, django_assert_num_queries):
    _policies_with_assignments(staff, owner, size)
    client = client_for(staff)
    client.get(reverse("policies:mine"))
    # session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the pending
    # assignments with campaign, policy and version (1); the policies that apply with their versions and
    # acknowledgements (1); the header's unread count (1); saving the sliding session (3).
    with django_assert_num_queries(14):
        response = client.get(reverse("policies:mine"))
    assert len(response.context["policies"]) == size


@pytest.mark.parametrize("size", [1, 5])
def test_the_history_costs_the_same_at_any_size(
    client_for, staff, manager, owner, size, django_assert_num_queries
):
    for n in range(size):
        campaign = CampaignFactory(
            version=PolicyVersionFactory(policy=PolicyFactory(title=f"P{n}", owner=owner))
        )
        question = QuestionFactory(policy=None, campaign=campaign)
        assignment = AssignmentFactory(campaign=campaign, person=staff)
        assignment_complete(
            actor=staff,
            assignment=assignment,
            answers={question.pk: Reply(yes=False, explanation="Not yet.")},
        )
    client = client_for(manager)
    url = reverse("policies:person_history", args=[staff.pk])
    client.get(url)
    # session and user (2); allauth's user-session tracking (5); the viewer's groups (1, the menu); the person
    # with team and manager (1); the
    # acknowledgements with version, policy and campaign (1); the count of attestations (1); the page of
    # them with campaign, policy and version (1), their answers with question and follow-up (1); the
    # header's unread count (1); saving the sliding session (3).
    with django_assert_num_queries(17):
        response = client.get(url)
    assert response.context["page"].paginator.count == size


def test_anonymous_people_see_and_change_nothing(client, staff, answered, disk):
    answer = Answer.objects.exclude(file="").get()
    pending = AssignmentFactory(campaign=CampaignFactory(version=PolicyVersionFactory()), person=staff)
    for url, method in [
        (reverse("policies:assignment", args=[pending.pk]), "get"),
        (reverse("policies:assignment", args=[pending.pk]), "post"),
        (reverse("policies:person_history", args=[staff.pk]), "get"),
        (reverse("policies:answer_file", args=[answer.pk]), "get"),
        (reverse("policies:acknowledge", args=[pending.campaign.policy_id]), "post"),
    ]:
        response = getattr(client, method)(url, {"version": 1})
        assert response.status_code == 302, url
        assert "/accounts/login/" in response["Location"]
    pending.refresh_from_db()
    assert pending.status == AssignmentStatus.PENDING
    assert Acknowledgement.objects.filter(person=staff).count() == 1  # the answered campaign's only


def test_answering_again_says_it_is_no_longer_waiting(client_for, staff, answered, disk):
    url = reverse("policies:assignment", args=[answered.pk])
    response = client_for(staff).post(url, {f"q{disk.pk}": "yes"}, follow=True)
    assert "This is no longer waiting for your answers." in response.content.decode()
    assert Answer.objects.get(question=disk).yes is False  # the first answers stand
