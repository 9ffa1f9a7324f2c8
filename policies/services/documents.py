"""Business actions on policy documents: create a policy, change its settings, publish a new version, keep
its attestation questions (the template each new campaign copies). Every action is audited.

A published version never changes: a new text is a new version, numbered after the last, effective from a
date that is not in the past (nor before the previous version's), so the old versions stay readable and an
acknowledgement always names the exact text that was read (``body_sha256``).
"""

from __future__ import annotations

import datetime
import hashlib

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dpms import audit
from dpms.models import PortalRole
from policies.choices import Audience, QuestionKind
from policies.models import AttestationQuestion, Policy, PolicyVersion
from policies.queries.documents import may_create_policies, may_edit_policy, may_publish_version

SETTINGS_FIELDS = (
    "title",
    "summary",
    "audience",
    "portal_roles",
    "yearly",
    "duration_days",
    "reminder_days_before_due",
    "remind_at_launch",
    "remind_at_half_time",
    "remind_daily_when_overdue",
    "escalate_after_overdue_days",
    "follow_up_days",
    "archived",
)
QUESTION_FIELDS = ("kind", "text", "help_text", "required")


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the installation's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _snapshot(policy: Policy, teams) -> dict:
    data = {name: getattr(policy, name) for name in SETTINGS_FIELDS}
    data["owner"] = policy.owner_id
    data["teams"] = sorted(team.pk for team in teams)
    return data


def validate_policy_settings(
    *, title: str, audience: str, teams, portal_roles, duration_days: int, reminder_days_before_due
) -> None:
    """The rules of a policy's settings, for the form and the demo alike: a title, an audience that names
    whom (teams for "teams", portal roles for "roles"), a campaign of at least a day, reminders within it."""
    errors: dict[str, list[str]] = {}
    if not (title or "").strip():
        errors.setdefault("title", []).append(_("Give the policy a title."))
    if audience not in Audience.values:
        errors.setdefault("audience", []).append(_("Choose who must acknowledge the policy."))
    if audience == Audience.TEAMS and not list(teams):
        errors.setdefault("teams", []).append(_("Choose at least one team."))
    unknown = set(portal_roles or []) - set(PortalRole.values)
    if unknown:
        errors.setdefault("portal_roles", []).append(_("Unknown portal role."))
    if audience == Audience.ROLES and not portal_roles:
        errors.setdefault("portal_roles", []).append(_("Choose at least one portal role."))
    if duration_days < 1:
        errors.setdefault("duration_days", []).append(_("At least one day."))
    if any(day < 0 or day >= duration_days for day in reminder_days_before_due or []):
        errors.setdefault("reminder_days_before_due", []).append(
            _("Reminders are sent during the campaign: between 0 and %(last)d days before it is due.")
            % {"last": max(duration_days - 1, 0)}
        )
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def policy_create(
    *,
    actor,
    title: str,
    owner,
    summary: str = "",
    audience: str = Audience.EVERYONE,
    teams=(),
    portal_roles=(),
    yearly: bool = True,
    duration_days: int = 14,
    reminder_days_before_due=(),
    remind_at_launch: bool = True,
    remind_at_half_time: bool = False,
    remind_daily_when_overdue: bool = True,
    escalate_after_overdue_days: int = 3,
    follow_up_days: int = 30,
) -> Policy:
    """Security officers write a new policy (its text comes with its first version: ``version_publish``)."""
    if not may_create_policies(actor):
        raise PermissionDenied(_("Only security officers create policies."))
    teams = list(teams)
    portal_roles = sorted(set(portal_roles)) if audience == Audience.ROLES else []
    teams = teams if audience == Audience.TEAMS else []
    validate_policy_settings(
        title=title,
        audience=audience,
        teams=teams,
        portal_roles=portal_roles,
        duration_days=duration_days,
        reminder_days_before_due=reminder_days_before_due,
    )
    if Policy.objects.filter(title__iexact=title.strip()).exists():
        raise ValidationError({"title": _("A policy with this title exists already.")})
    policy = Policy.objects.create(
        title=title.strip(),
        summary=summary.strip(),
        owner=owner,
        audience=audience,
        portal_roles=portal_roles,
        yearly=yearly,
        duration_days=duration_days,
        reminder_days_before_due=sorted(set(reminder_days_before_due), reverse=True),
        remind_at_launch=remind_at_launch,
        remind_at_half_time=remind_at_half_time,
        remind_daily_when_overdue=remind_daily_when_overdue,
        escalate_after_overdue_days=escalate_after_overdue_days,
        follow_up_days=follow_up_days,
        created_by=actor,
    )
    policy.teams.set(teams)
    audit.record(action="policy.create", actor=actor, obj=policy, changes=_snapshot(policy, teams))
    return policy


@transaction.atomic
def policy_update(*, actor, policy: Policy, teams=None, owner=None, now=None, **changes) -> Policy:
    """Change a policy's settings (``SETTINGS_FIELDS``, its teams; its owner: security officers only).
    Turning the yearly calendar on sets the next run (the version in force's date, or now); off clears it."""
    # Locked: two editors saving at once would each audit a "before" the other already changed.
    policy = Policy.objects.select_for_update().select_related("owner").get(pk=policy.pk)
    if not may_edit_policy(actor, policy):
        raise PermissionDenied(_("Only security officers and the policy's owner change it."))
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not a policy setting: {sorted(unknown)}")
    if owner is not None and owner.pk != policy.owner_id and not may_create_policies(actor):
        raise PermissionDenied(_("Only security officers give a policy to another owner."))
    now = now or timezone.now()
    before_teams = list(policy.teams.all())
    before = _snapshot(policy, before_teams)
    for name, value in changes.items():
        setattr(policy, name, value.strip() if isinstance(value, str) else value)
    if owner is not None:
        policy.owner = owner
    new_teams = before_teams if teams is None else list(teams)
    if policy.audience != Audience.TEAMS:
        new_teams = []
    if policy.audience != Audience.ROLES:
        policy.portal_roles = []
    else:
        policy.portal_roles = sorted(set(policy.portal_roles))
    policy.reminder_days_before_due = sorted(set(policy.reminder_days_before_due or []), reverse=True)
    validate_policy_settings(
        title=policy.title,
        audience=policy.audience,
        teams=new_teams,
        portal_roles=policy.portal_roles,
        duration_days=policy.duration_days,
        reminder_days_before_due=policy.reminder_days_before_due,
    )
    if Policy.objects.filter(title__iexact=policy.title).exclude(pk=policy.pk).exists():
        raise ValidationError({"title": _("A policy with this title exists already.")})
    if not policy.yearly:
        policy.next_run_at = None
    elif policy.next_run_at is None and policy.versions.exists():
        first_due = policy.versions.filter(effective_date__gt=timezone.localdate(now)).order_by("number")
        upcoming = first_due.values_list("effective_date", flat=True).first()
        policy.next_run_at = _start_of(upcoming) if upcoming else now
    policy.save()
    policy.teams.set(new_teams)
    changed = audit.diff(before, _snapshot(policy, new_teams))
    if changed:
        audit.record(action="policy.update", actor=actor, obj=policy, changes=changed)
    return policy


@transaction.atomic
def version_publish(
    *, actor, policy: Policy, body: str, change_summary: str, effective_date: datetime.date, now=None
) -> PolicyVersion:
    """Publish the policy's next version: number = last + 1, its text's SHA-256 kept, effective from
    ``effective_date`` (today or later, and not before the previous version's). The first version of a
    yearly policy sets the calendar: its first campaign runs on the effective date."""
    now = now or timezone.now()
    # Locked: two publishers at once would both take "last + 1" (the unique constraint would refuse one
    # with an error page instead of a clear message).
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if not may_publish_version(actor, policy):
        raise PermissionDenied(_("Only security officers and the policy's owner publish its versions."))
    if policy.archived:
        raise ValidationError(_("This policy is archived: bring it back before publishing a version."))
    last = policy.versions.order_by("-number").first()
    errors: dict[str, list[str]] = {}
    body = (body or "").strip()
    if not body:
        errors["body"] = [_("Write the policy's text.")]
    if last is not None and not (change_summary or "").strip():
        errors["change_summary"] = [_("Say what changed since version %(number)d.") % {"number": last.number}]
    today = timezone.localdate(now)
    if effective_date < today:
        errors["effective_date"] = [_("A version takes effect today or later, not in the past.")]
    elif last is not None and effective_date < last.effective_date:
        errors["effective_date"] = [
            _("Version %(number)d takes effect on %(date)s: a newer version cannot take effect before it.")
            % {"number": last.number, "date": last.effective_date.isoformat()}
        ]
    if last is not None and body == last.body:
        errors.setdefault("body", []).append(
            _("The text is the same as version %(number)d.") % {"number": last.number}
        )
    if errors:
        raise ValidationError(errors)
    version = PolicyVersion.objects.create(
        policy=policy,
        number=(last.number if last else 0) + 1,
        body=body,
        change_summary=(change_summary or "").strip(),
        effective_date=effective_date,
        published_at=now,
        published_by=actor,
        body_sha256=hashlib.sha256(body.encode()).hexdigest(),
    )
    if last is None and policy.yearly and policy.next_run_at is None:
        policy.next_run_at = _start_of(effective_date)
        policy.save(update_fields=["next_run_at"])
    audit.record(
        action="policy.version.publish",
        actor=actor,
        obj=policy,
        changes={
            "version": version.number,
            "effective_date": effective_date,
            "body_sha256": version.body_sha256,
            "change_summary": version.change_summary,
        },
    )
    return version


# --- Attestation questions (the template every new campaign copies) ------------------------------------


def _may_keep_questions(actor, policy: Policy) -> None:
    if not may_edit_policy(actor, policy):
        raise PermissionDenied(_("Only security officers and the policy's owner change its questions."))


def _validate_question(kind: str, text: str) -> None:
    errors: dict[str, list[str]] = {}
    if kind not in QuestionKind.values:
        errors["kind"] = [_("Choose the kind of answer.")]
    if not (text or "").strip():
        errors["text"] = [_("Write the question.")]
    if errors:
        raise ValidationError(errors)


def _question_data(question: AttestationQuestion) -> dict:
    data = {name: getattr(question, name) for name in QUESTION_FIELDS}
    data["position"] = question.position
    return data


@transaction.atomic
def question_add(
    *, actor, policy: Policy, kind: str, text: str, help_text: str = "", required: bool = True
) -> AttestationQuestion:
    """Add a question at the end of the policy's list (campaigns launched from now on ask it)."""
    policy = Policy.objects.select_for_update().get(pk=policy.pk)  # positions handed out one at a time
    _may_keep_questions(actor, policy)
    _validate_question(kind, text)
    last = policy.questions.order_by("-position").values_list("position", flat=True).first()
    question = AttestationQuestion.objects.create(
        policy=policy,
        position=(last + 1) if last is not None else 0,
        kind=kind,
        text=text.strip(),
        help_text=(help_text or "").strip(),
        required=required,
    )
    audit.record(
        action="policy.question.add",
        actor=actor,
        obj=policy,
        changes={"question": question.pk, **_question_data(question)},
    )
    return question


@transaction.atomic
def question_update(*, actor, question: AttestationQuestion, **changes) -> AttestationQuestion:
    """Change a template question's kind, text, help or whether it is required. Campaigns already launched
    keep their own copy, so answers given never change meaning."""
    question = (
        AttestationQuestion.objects.select_for_update(of=("self",))
        .select_related("policy")
        .get(pk=question.pk)
    )
    if question.policy is None:
        raise ValidationError(_("A campaign's questions do not change once it is launched."))
    _may_keep_questions(actor, question.policy)
    unknown = set(changes) - set(QUESTION_FIELDS)
    if unknown:
        raise ValueError(f"Not a question field: {sorted(unknown)}")
    before = _question_data(question)
    for name, value in changes.items():
        setattr(question, name, value.strip() if isinstance(value, str) else value)
    _validate_question(question.kind, question.text)
    question.save()
    changed = audit.diff(before, _question_data(question))
    if changed:
        audit.record(
            action="policy.question.update",
            actor=actor,
            obj=question.policy,
            changes={"question": question.pk, **changed},
        )
    return question


@transaction.atomic
def question_remove(*, actor, question: AttestationQuestion) -> None:
    """Remove a template question (campaigns already launched keep their copy and its answers)."""
    question = (
        AttestationQuestion.objects.select_for_update(of=("self",))
        .select_related("policy")
        .get(pk=question.pk)
    )
    if question.policy is None:
        raise ValidationError(_("A campaign's questions do not change once it is launched."))
    policy = question.policy
    _may_keep_questions(actor, policy)
    data = {"question": question.pk, **_question_data(question)}
    question.delete()
    audit.record(action="policy.question.remove", actor=actor, obj=policy, changes=data)


@transaction.atomic
def question_move(*, actor, question: AttestationQuestion, up: bool) -> None:
    """Move a template question one place up or down; the list is renumbered 0, 1, 2 …"""
    if question.policy_id is None:
        raise ValidationError(_("A campaign's questions do not change once it is launched."))
    policy = Policy.objects.select_for_update().get(pk=question.policy_id)  # one reorder at a time
    _may_keep_questions(actor, policy)
    questions = list(policy.questions.order_by("position", "pk"))
    index = next((i for i, one in enumerate(questions) if one.pk == question.pk), None)
    if index is None:
        raise ValidationError(_("That question is not one of this policy's."))
    other = index - 1 if up else index + 1
    if not 0 <= other < len(questions):
        return
    questions[index], questions[other] = questions[other], questions[index]
    before = [one.pk for one in sorted(questions, key=lambda one: (one.position, one.pk))]
    for position, one in enumerate(questions):
        one.position = position
    AttestationQuestion.objects.bulk_update(questions, ["position"])
    audit.record(
        action="policy.question.move",
        actor=actor,
        obj=policy,
        changes={"question": question.pk, "order": [before, [one.pk for one in questions]]},
    )
