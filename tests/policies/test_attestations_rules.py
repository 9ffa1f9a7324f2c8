"""Completing an assignment: all or nothing, a "no" needs its reason and opens a follow-up, one
acknowledgement per version, only the assignee while the campaign is open."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from dpms.models import AuditEvent, Notification
from dpms.notify import topic_key
from policies.choices import AssignmentStatus, CampaignStatus, QuestionKind
from policies.models import Acknowledgement, Answer, FollowUp
from policies.queries.attestations import my_policies
from policies.services.attestations import Reply, assignment_complete, field_name, policy_acknowledge
from tests.factories import NotificationFactory
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
def campaign(security_officer):
    policy = PolicyFactory(title="Workstation security", owner=security_officer, follow_up_days=10)
    return CampaignFactory(version=PolicyVersionFactory(policy=policy))


@pytest.fixture
def questions(campaign):
    ask = {"policy": None, "campaign": campaign}
    return {
        "vault": QuestionFactory(**ask, position=0, text="I use the company password manager."),
        "disk": QuestionFactory(**ask, position=1, text="My work computer has full-disk encryption."),
        "serial": QuestionFactory(**ask, position=2, kind=QuestionKind.TEXT, text="Serial number"),
        "screen": QuestionFactory(
            **ask, position=3, kind=QuestionKind.FILE, text="Screenshot", required=False
        ),
    }


@pytest.fixture
def assignment(campaign, staff):
    return AssignmentFactory(campaign=campaign, person=staff)


def replies(questions, **overrides):
    given = {
        questions["vault"].pk: Reply(yes=True),
        questions["disk"].pk: Reply(yes=True),
        questions["serial"].pk: Reply(text="PF-12345"),
    }
    given.update({questions[key].pk: value for key, value in overrides.items()})
    return given


def test_completing_acknowledges_the_version_and_saves_every_answer(assignment, questions, staff):
    done = assignment_complete(actor=staff, assignment=assignment, answers=replies(questions))
    assert done.status == AssignmentStatus.DONE
    assert Acknowledgement.objects.get(person=staff).version == assignment.campaign.version
    assert Answer.objects.filter(assignment=assignment).count() == 4  # the optional file unanswered
    assert Answer.objects.get(question=questions["serial"]).text == "PF-12345"
    actions = list(
        AuditEvent.objects.filter(action__startswith="policy.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == ["policy.acknowledge", "policy.attest"]
    assert not FollowUp.objects.exists()


def test_a_no_without_explanation_is_refused_and_nothing_is_saved(assignment, questions, staff):
    with pytest.raises(ValidationError) as error:
        assignment_complete(
            actor=staff,
            assignment=assignment,
            answers=replies(questions, disk=Reply(yes=False, explanation=" ")),
        )
    assert field_name(questions["disk"], "explanation") in error.value.message_dict
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    assert not Acknowledgement.objects.exists()
    assert not Answer.objects.exists()


def test_required_answers_are_required(assignment, questions, staff):
    with pytest.raises(ValidationError) as error:
        assignment_complete(actor=staff, assignment=assignment, answers={})
    assert set(error.value.message_dict) == {
        field_name(questions["vault"]),
        field_name(questions["disk"]),
        field_name(questions["serial"], "text"),
    }


def test_a_no_opens_a_follow_up_for_the_person_and_their_manager(assignment, questions, staff, manager):
    now = timezone.now()
    no = Reply(yes=False, explanation="IT has not turned it on yet.")
    assignment_complete(actor=staff, assignment=assignment, answers=replies(questions, disk=no), now=now)
    follow_up = FollowUp.objects.get()
    assert (follow_up.person, follow_up.manager) == (staff, manager)
    assert follow_up.due_at == now + datetime.timedelta(days=10)
    assert follow_up.answer.explanation == "IT has not turned it on yet."
    told = set(
        Notification.objects.filter(topic=f"policies.followup:{follow_up.pk}").values_list(
            "recipient", flat=True
        )
    )
    assert told == {staff.pk, manager.pk}


def test_a_file_is_checked_like_incident_attachments(assignment, questions, staff):
    exe = SimpleUploadedFile("encryption.png", b"MZ\x90\x00" + b"\x00" * 60)
    with pytest.raises(ValidationError) as error:
        assignment_complete(
            actor=staff, assignment=assignment, answers=replies(questions, screen=Reply(file=exe))
        )
    assert (
        "is not a file type we accept" in error.value.message_dict[field_name(questions["screen"], "file")][0]
    )


def test_a_file_is_kept_under_a_random_name_with_its_hash(assignment, questions, staff, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    screenshot = SimpleUploadedFile("../Bitlocker status.png", PNG)
    assignment_complete(
        actor=staff, assignment=assignment, answers=replies(questions, screen=Reply(file=screenshot))
    )
    answer = Answer.objects.get(question=questions["screen"])
    assert answer.file_name == "Bitlocker status.png"
    assert "Bitlocker" not in answer.file.name
    assert (tmp_path / answer.file.name).read_bytes() == PNG
    assert answer.file_content_type == "image/png"
    assert len(answer.file_sha256) == 64


def test_only_the_assignee_completes(assignment, questions, manager):
    with pytest.raises(PermissionDenied):
        assignment_complete(actor=manager, assignment=assignment, answers=replies(questions))


def test_a_closed_campaign_takes_no_answers(assignment, questions, staff):
    assignment.campaign.status = CampaignStatus.CLOSED
    assignment.campaign.save()
    with pytest.raises(ValidationError, match="closed"):
        assignment_complete(actor=staff, assignment=assignment, answers=replies(questions))


def test_a_completed_assignment_is_not_completed_twice(assignment, questions, staff):
    assignment_complete(actor=staff, assignment=assignment, answers=replies(questions))
    with pytest.raises(ValidationError, match="already"):
        assignment_complete(actor=staff, assignment=assignment, answers=replies(questions))
    assert Answer.objects.count() == 4


def test_acknowledging_an_old_version_does_not_count_for_the_new_one(staff, security_officer):
    policy = PolicyFactory(owner=security_officer)
    today = timezone.localdate()
    first = PolicyVersionFactory(policy=policy, number=1, effective_date=today - datetime.timedelta(days=30))
    policy_acknowledge(actor=staff, version=first, now=timezone.now() - datetime.timedelta(days=20))
    [row] = my_policies(staff, today=today)
    assert row.acknowledged
    PolicyVersionFactory(policy=policy, number=2, effective_date=today, body="# New rules\n")
    [row] = my_policies(staff, today=today)
    assert (row.current_number, row.acknowledged, row.last_acknowledged) == (2, False, 1)


def test_acknowledging_from_the_page_completes_an_assignment_without_questions(staff, security_officer):
    campaign = CampaignFactory(version=PolicyVersionFactory(policy=PolicyFactory(owner=security_officer)))
    assignment = AssignmentFactory(campaign=campaign, person=staff)
    acknowledgement = policy_acknowledge(actor=staff, version=campaign.version)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.DONE
    assert acknowledgement.assignment == assignment


def test_acknowledging_from_the_page_leaves_an_assignment_with_questions_to_answer(
    assignment, questions, staff
):
    policy_acknowledge(actor=staff, version=assignment.campaign.version)
    assignment.refresh_from_db()
    assert assignment.status == AssignmentStatus.PENDING
    # Answering later finds the acknowledgement already given: still one per version.
    assignment_complete(actor=staff, assignment=assignment, answers=replies(questions))
    assert Acknowledgement.objects.filter(person=staff).count() == 1


def test_only_the_version_in_force_is_acknowledged_from_the_page(staff, security_officer):
    policy = PolicyFactory(owner=security_officer)
    future = PolicyVersionFactory(
        policy=policy, effective_date=timezone.localdate() + datetime.timedelta(days=5)
    )
    with pytest.raises(ValidationError, match="version in force"):
        policy_acknowledge(actor=staff, version=future)


def test_acknowledging_twice_says_when(staff, security_officer):
    version = PolicyVersionFactory(policy=PolicyFactory(owner=security_officer))
    policy_acknowledge(actor=staff, version=version)
    with pytest.raises(ValidationError, match="You acknowledged version 1 on"):
        policy_acknowledge(actor=staff, version=version)


def test_completing_settles_the_campaign_s_reminders_to_the_person_only(
    assignment, questions, staff, second_report
):
    mine = NotificationFactory(recipient=staff, topic=topic_key(assignment.campaign))
    theirs = NotificationFactory(recipient=second_report, topic=topic_key(assignment.campaign))
    assignment_complete(actor=staff, assignment=assignment, answers=replies(questions))
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.done_at is not None
    assert theirs.done_at is None


def test_acknowledging_from_the_page_settles_the_reminders_of_the_assignments_it_completes(
    staff, security_officer
):
    campaign = CampaignFactory(version=PolicyVersionFactory(policy=PolicyFactory(owner=security_officer)))
    AssignmentFactory(campaign=campaign, person=staff)
    reminder = NotificationFactory(recipient=staff, topic=topic_key(campaign))
    policy_acknowledge(actor=staff, version=campaign.version)
    reminder.refresh_from_db()
    assert reminder.done_at is not None


def test_acknowledging_a_newer_version_settles_what_was_owed_for_an_older_one(staff, security_officer):
    """A person still asked for version 1 who acknowledges version 2 no longer has version 1 to do: that
    assignment is excused (superseded), its reminders withdrawn, and the audit trail says so. An
    acknowledgement of version 1 would not have settled version 2."""
    policy = PolicyFactory(title="Passwords", owner=security_officer)
    first = PolicyVersionFactory(policy=policy)
    old = AssignmentFactory(campaign=CampaignFactory(version=first), person=staff)
    second = PolicyVersionFactory(policy=policy, change_summary="Stricter.")
    new = AssignmentFactory(campaign=CampaignFactory(version=second), person=staff)
    reminder = NotificationFactory(recipient=staff, topic=topic_key(old.campaign))

    assignment_complete(actor=staff, assignment=new, answers={})

    old.refresh_from_db()
    new.refresh_from_db()
    assert (old.status, new.status) == (AssignmentStatus.EXCUSED, AssignmentStatus.DONE)
    reminder.refresh_from_db()
    assert reminder.done_at is not None  # withdrawn: nothing left to ask
    event = AuditEvent.objects.get(action="policy.assignment.superseded")
    assert event.changes == {"version": 2, "assignments": [old.pk], "older_versions": [1]}


def test_acknowledging_an_older_version_leaves_the_newer_one_to_do(staff, security_officer):
    policy = PolicyFactory(title="Passwords", owner=security_officer)
    first = PolicyVersionFactory(policy=policy)
    old = AssignmentFactory(campaign=CampaignFactory(version=first), person=staff)
    second = PolicyVersionFactory(policy=policy, change_summary="Stricter.")
    new = AssignmentFactory(campaign=CampaignFactory(version=second), person=staff)

    assignment_complete(actor=staff, assignment=old, answers={})

    new.refresh_from_db()
    assert new.status == AssignmentStatus.PENDING
    assert not AuditEvent.objects.filter(action="policy.assignment.superseded").exists()
