"""Policy documents' rules: versions numbered in order and never in the past, whom a policy applies to, the
version in force, questions kept in order, and every change audited."""

import datetime
import hashlib

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import Audience, QuestionKind
from policies.queries.documents import applies_to, policies_applying_to, template_questions, version_in_force
from policies.services.documents import (
    policy_create,
    policy_update,
    question_add,
    question_move,
    question_remove,
    question_update,
    version_publish,
)
from tests.factories import TeamFactory, UserFactory
from tests.policies.factories import PolicyFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 7)
NOW = timezone.make_aware(datetime.datetime(2026, 12, 7, 10, 0))


@pytest.fixture
def policy(security_officer):
    return policy_create(actor=security_officer, title="Password manager", owner=security_officer)


def publish(actor, policy, body, *, days=0, summary="Changed."):
    return version_publish(
        actor=actor,
        policy=policy,
        body=body,
        change_summary=summary,
        effective_date=TODAY + datetime.timedelta(days=days),
        now=NOW,
    )


def test_versions_are_numbered_in_order_with_the_hash_of_their_text(policy, security_officer):
    first = publish(security_officer, policy, "Use the vault.", summary="")
    second = publish(security_officer, policy, "Use the vault for every account.", days=10)
    assert (first.number, second.number) == (1, 2)
    assert second.body_sha256 == hashlib.sha256(b"Use the vault for every account.").hexdigest()
    assert first.body == "Use the vault."  # the old text stays as it was


def test_a_yearly_policy_s_first_version_sets_the_first_campaign(policy, security_officer):
    publish(security_officer, policy, "Use the vault.", days=5, summary="")
    policy.refresh_from_db()
    assert timezone.localtime(policy.next_run_at).date() == TODAY + datetime.timedelta(days=5)


@pytest.mark.parametrize(
    ("days", "summary", "body", "field"),
    [
        (-1, "Changed.", "New text", "effective_date"),  # in the past
        (0, "", "New text", "change_summary"),  # a second version says what changed
        (0, "Changed.", "Use the vault.", "body"),  # the same text again
        (0, "Changed.", "   ", "body"),
    ],
)
def test_a_version_that_breaks_a_rule_is_refused(policy, security_officer, days, summary, body, field):
    publish(security_officer, policy, "Use the vault.", summary="")
    with pytest.raises(ValidationError) as error:
        publish(security_officer, policy, body, days=days, summary=summary)
    assert field in error.value.message_dict
    assert policy.versions.count() == 1


def test_a_version_cannot_take_effect_before_the_previous_one(policy, security_officer):
    publish(security_officer, policy, "Use the vault.", days=30, summary="")
    with pytest.raises(ValidationError, match="cannot take effect before it"):
        publish(security_officer, policy, "Use the vault, always.", days=10)


def test_the_version_in_force_is_the_latest_whose_date_has_come(policy, security_officer):
    assert version_in_force(policy, TODAY) is None
    first = publish(security_officer, policy, "v1", summary="")
    publish(security_officer, policy, "v2", days=14)
    assert version_in_force(policy, TODAY) == first
    assert version_in_force(policy, TODAY + datetime.timedelta(days=14)).number == 2


def test_owners_publish_their_own_policy_only(security_officer, staff):
    own = PolicyFactory(owner=staff)
    assert publish(staff, own, "Mine.", summary="").number == 1
    other = PolicyFactory(owner=security_officer)
    with pytest.raises(PermissionDenied):
        publish(staff, other, "Not mine.", summary="")


def test_only_officers_create_and_hand_a_policy_to_another_owner(policy, staff, manager):
    with pytest.raises(PermissionDenied):
        policy_create(actor=staff, title="Mine", owner=staff)
    own = PolicyFactory(owner=staff)
    with pytest.raises(PermissionDenied):
        policy_update(actor=staff, policy=own, owner=manager)


def test_an_archived_policy_publishes_no_version(policy, security_officer):
    policy_update(actor=security_officer, policy=policy, archived=True)
    with pytest.raises(ValidationError, match="archived"):
        publish(security_officer, policy, "Text", summary="")


def test_an_audience_names_whom(security_officer):
    with pytest.raises(ValidationError) as error:
        policy_create(actor=security_officer, title="Teams", owner=security_officer, audience=Audience.TEAMS)
    assert "teams" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        policy_create(actor=security_officer, title="Roles", owner=security_officer, audience=Audience.ROLES)
    assert "portal_roles" in error.value.message_dict


def test_whom_a_policy_applies_to(security_officer, staff, outsider, auditor, team):
    everyone = PolicyFactory(title="Everyone", owner=security_officer)
    finance = policy_create(
        actor=security_officer, title="Finance", owner=security_officer, audience=Audience.TEAMS, teams=[team]
    )
    auditors = policy_create(
        actor=security_officer,
        title="Auditors",
        owner=security_officer,
        audience=Audience.ROLES,
        portal_roles=["auditor"],
    )
    assert [applies_to(p, staff) for p in (everyone, finance, auditors)] == [True, True, False]
    assert [applies_to(p, outsider) for p in (everyone, finance, auditors)] == [True, False, False]
    assert [applies_to(p, auditor) for p in (everyone, finance, auditors)] == [True, False, True]
    # The query agrees with the function, person by person.
    for person in (staff, outsider, auditor, security_officer):
        expected = {p.title for p in (everyone, finance, auditors) if applies_to(p, person)}
        assert set(policies_applying_to(person).values_list("title", flat=True)) == expected


def test_a_person_who_left_must_acknowledge_nothing(security_officer):
    gone = UserFactory(is_active=False, team=TeamFactory(name="Ops"))
    assert not applies_to(PolicyFactory(owner=security_officer), gone)
    assert not policies_applying_to(gone).exists()


def test_questions_are_added_moved_edited_and_removed_in_order(policy, security_officer):
    vault = question_add(actor=security_officer, policy=policy, kind=QuestionKind.YES_NO, text="Vault?")
    serial = question_add(actor=security_officer, policy=policy, kind=QuestionKind.TEXT, text="Serial")
    disk = question_add(actor=security_officer, policy=policy, kind=QuestionKind.YES_NO, text="Disk?")
    question_move(actor=security_officer, question=disk, up=True)
    assert [q.text for q in template_questions(policy)] == ["Vault?", "Disk?", "Serial"]
    question_update(actor=security_officer, question=serial, text="Serial number", required=False)
    question_remove(actor=security_officer, question=vault)
    assert [(q.text, q.required) for q in template_questions(policy)] == [
        ("Disk?", True),
        ("Serial number", False),
    ]
    actions = list(
        AuditEvent.objects.filter(action__startswith="policy.question.")
        .order_by("sequence")
        .values_list("action", flat=True)
    )
    assert actions == [
        "policy.question.add",
        "policy.question.add",
        "policy.question.add",
        "policy.question.move",
        "policy.question.update",
        "policy.question.remove",
    ]


def test_a_question_needs_its_text(policy, security_officer):
    with pytest.raises(ValidationError) as error:
        question_add(actor=security_officer, policy=policy, kind=QuestionKind.YES_NO, text="  ")
    assert "text" in error.value.message_dict


def test_settings_changes_are_audited_with_before_and_after(policy, security_officer):
    policy_update(actor=security_officer, policy=policy, duration_days=21, follow_up_days=10)
    event = AuditEvent.objects.get(action="policy.update")
    assert event.changes == {"duration_days": [14, 21], "follow_up_days": [30, 10]}


def test_turning_the_yearly_calendar_off_clears_the_next_run(policy, security_officer):
    publish(security_officer, policy, "Text", summary="")
    policy_update(actor=security_officer, policy=policy, yearly=False)
    policy.refresh_from_db()
    assert policy.next_run_at is None
