"""The escalation policies: their defaults, creating a severity's policy row from them when first needed,
and editing them (the checks on a policy's levels, saving or resetting a policy with
its audit event). What a policy does at run time is in ``incidents.services.escalation``; an edit applies to
rounds started after it.

The policy asks: "SEV1 tells the security officers at once and escalates to the admins after 15 minutes,
repeating every 15 minutes three times; SEV2 after 60 minutes; SEV3 and SEV4 after a working day.
Unresolved-time targets too: SEV1 not contained within 4 hours, SEV2 within 24 hours, escalate." The
defaults read it as follows (PagerDuty and Opsgenie policies have the same shape: ordered levels, each a
delay and a target):

=========  ==================================================  =====================================
Policy     Not acknowledged (from when the severity was set)   Not contained (from when reported)
=========  ==================================================  =====================================
SEV1       level 1 at once: the security officers;             level 1 after 4 hours: the admins
           level 2 after 15 minutes: the admins, repeated
           every 15 minutes three times (15, 30, 45, 60)
SEV2       level 1 at once: the security officers;             level 1 after 24 hours: the admins
           level 2 after 60 minutes: the admins
SEV3/SEV4  level 1 at once: the security officers;             none
           level 2 after one working day: the admins
Untriaged  level 1 after 30 minutes: the security officers;    none
(0)        level 2 after 4 hours: the admins (from the report,
           while it is reported and nobody acknowledged it)
=========  ==================================================  =====================================

"One working day" is 1440 minutes of working time: only Monday to Friday count, in the portal's time zone
(``settings.TIME_ZONE``), so an incident triaged on Friday at 16:00 reaches the admins on Monday at 16:00.

The untriaged policy is stored as the policy of "severity" 0 (``UNTRIAGED``); incidents themselves keep the
four severities.

A severity without a policy row gets one created from these defaults the first time it is needed
(``policy_for``); security officers then edit it on the escalation policy pages. Creating it is idempotent:
two processes creating the same policy at once both end up with the one row.
"""

import logging
from datetime import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from dpms import audit
from dpms.models import User
from incidents.choices import EscalationTarget, EscalationTrigger, Severity
from incidents.models import EscalationLevel, EscalationPolicy
from incidents.queries.escalation_policies import can_edit_policies

log = logging.getLogger(__name__)

WORKING_DAY_MINUTES = 24 * 60
UNTRIAGED = 0  # the policy of reports not triaged yet
POLICY_SEVERITIES = (UNTRIAGED, *Severity.values)  # in the order the policy pages show them

_UNACK = EscalationTrigger.UNACKNOWLEDGED
_UNCONTAINED = EscalationTrigger.UNCONTAINED


def _level(trigger, position, after_minutes, target, *, working_time=False, repeat_count=0, every=None):
    return {
        "trigger": trigger,
        "position": position,
        "after_minutes": after_minutes,
        "working_time": working_time,
        "target": target,
        "person": None,
        "repeat_count": repeat_count,
        "repeat_every_minutes": every,
    }


_TELL_OFFICERS = _level(_UNACK, 1, 0, EscalationTarget.SECURITY_OFFICERS)

DEFAULT_LEVELS: dict[int, tuple[dict, ...]] = {
    UNTRIAGED: (
        _level(_UNACK, 1, 30, EscalationTarget.SECURITY_OFFICERS),
        _level(_UNACK, 2, 4 * 60, EscalationTarget.ADMINS),
    ),
    Severity.SEV1: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, 15, EscalationTarget.ADMINS, repeat_count=3, every=15),
        _level(_UNCONTAINED, 1, 4 * 60, EscalationTarget.ADMINS),
    ),
    Severity.SEV2: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, 60, EscalationTarget.ADMINS),
        _level(_UNCONTAINED, 1, 24 * 60, EscalationTarget.ADMINS),
    ),
    Severity.SEV3: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, WORKING_DAY_MINUTES, EscalationTarget.ADMINS, working_time=True),
    ),
    Severity.SEV4: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, WORKING_DAY_MINUTES, EscalationTarget.ADMINS, working_time=True),
    ),
}


def policy_severity(value) -> int:
    """``value`` as a policy's severity (0: untriaged reports, 1-4: SEV1-SEV4); ValueError otherwise."""
    if isinstance(value, bool) or int(value) not in POLICY_SEVERITIES:
        raise ValueError(f"{value!r} is not a policy severity")
    return Severity(int(value)) if int(value) else UNTRIAGED


def policy_label(severity: int) -> str:
    """ "Untriaged reports", "SEV1"..."""
    return gettext("Untriaged reports") if severity == UNTRIAGED else str(Severity(severity).label)


def _recorded_label(severity: int) -> str:
    """The policy's name as the audit trail keeps it: in the portal's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return policy_label(severity)


def default_levels(severity: int) -> list[dict]:
    """The default levels of ``severity`` as dicts of ``EscalationLevel`` fields (copies: safe to change)."""
    return [dict(level) for level in DEFAULT_LEVELS[policy_severity(severity)]]


def unsaved_default_levels(severity: int) -> list[EscalationLevel]:
    """The defaults as unsaved ``EscalationLevel`` objects: shown where no policy row exists yet."""
    return [EscalationLevel(**level) for level in default_levels(severity)]


def policy_for(severity: int) -> EscalationPolicy:
    """The policy row of ``severity``, created with the default levels when there is none yet.

    The policy and its levels are created inside one savepoint: nobody sees a policy without its levels. When
    another transaction creates the same policy at the same moment, the unique severity makes our insert fail
    (on PostgreSQL it waits for the other to commit first) and we read the row it created.
    """
    severity = policy_severity(severity)
    policy = EscalationPolicy.objects.filter(severity=severity).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            policy = EscalationPolicy.objects.create(severity=severity)
            EscalationLevel.objects.bulk_create(
                [EscalationLevel(policy=policy, **level) for level in default_levels(severity)]
            )
    except IntegrityError:
        policy = EscalationPolicy.objects.get(severity=severity)
    return policy


MAX_LEVELS = 10
MAX_AFTER_MINUTES = 30 * 24 * 60
MAX_REPEATS = 10
MIN_REPEAT_EVERY = 5
MAX_REPEAT_EVERY = 7 * 24 * 60


# --- Editing policies --------------------------------------------------------------------------------------


def _is_count(value, low, high) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _level_problems(level: dict) -> list[str]:
    problems = []
    if level.get("trigger") not in EscalationTrigger.values:
        problems.append(gettext("choose when it fires: not acknowledged or not contained"))
    if level.get("target") not in EscalationTarget.values:
        problems.append(gettext("choose whom to tell"))
    if not _is_count(level.get("after_minutes"), 0, MAX_AFTER_MINUTES):
        problems.append(
            gettext("the minutes must be a whole number from 0 to %(max)s") % {"max": MAX_AFTER_MINUTES}
        )
    person = level.get("person")
    if level.get("target") == EscalationTarget.PERSON and (person is None or not person.is_active):
        problems.append(gettext("choose an active person to tell"))
    count = level.get("repeat_count") or 0
    if not _is_count(count, 0, MAX_REPEATS):
        problems.append(gettext("repeat from 0 to %(max)s times") % {"max": MAX_REPEATS})
    elif count and not _is_count(level.get("repeat_every_minutes"), MIN_REPEAT_EVERY, MAX_REPEAT_EVERY):
        problems.append(
            gettext("a repeat needs an interval from %(min)s to %(max)s minutes")
            % {"min": MIN_REPEAT_EVERY, "max": MAX_REPEAT_EVERY}
        )
    return problems


def validate_levels(levels: list[dict], *, untriaged: bool = False) -> list[dict]:
    """Check a policy's levels and number them: within each trigger by their minutes (the order they fire
    in), ties in the order given. Returns the levels to store; raises ``ValidationError({"levels": [...]})``.
    The untriaged policy (``untriaged``) has "not acknowledged" levels only: they fire while nobody triaged or
    acknowledged the report."""
    problems = []
    if not levels:
        problems.append(gettext("A policy needs at least one level."))
    if len(levels) > MAX_LEVELS:
        problems.append(gettext("A policy has at most %(max)s levels.") % {"max": MAX_LEVELS})
    for number, level in enumerate(levels, start=1):
        problems += [
            gettext("Level %(number)s: %(problem)s.") % {"number": number, "problem": problem}
            for problem in _level_problems(level)
        ]
    if untriaged and any(level.get("trigger") == EscalationTrigger.UNCONTAINED for level in levels):
        problems.append(
            gettext(
                "An untriaged report has no containment target yet: use “not acknowledged” levels (they fire "
                "while nobody triaged or acknowledged it)."
            )
        )
    elif levels and not any(level.get("trigger") == EscalationTrigger.UNACKNOWLEDGED for level in levels):
        problems.append(
            gettext("Keep at least one “not acknowledged” level: nothing may sit unacknowledged.")
        )
    if problems:
        raise ValidationError({"levels": problems})
    stored = []
    for trigger in EscalationTrigger.values:
        mine = sorted(
            (level for level in levels if level["trigger"] == trigger), key=lambda lv: lv["after_minutes"]
        )
        for position, level in enumerate(mine, start=1):
            count = level.get("repeat_count") or 0
            stored.append(
                {
                    "trigger": trigger,
                    "position": position,
                    "after_minutes": level["after_minutes"],
                    "working_time": bool(level.get("working_time")),
                    "target": level["target"],
                    "person": level.get("person") if level["target"] == EscalationTarget.PERSON else None,
                    "repeat_count": count,
                    "repeat_every_minutes": level.get("repeat_every_minutes") if count else None,
                }
            )
    return stored


def snapshot(levels) -> list[dict]:
    """Levels as plain data for the audit trail (the person by email)."""
    return [
        {
            "trigger": level.trigger,
            "position": level.position,
            "after_minutes": level.after_minutes,
            "working_time": level.working_time,
            "target": level.target,
            "person": level.person.email if level.person_id else None,
            "repeat_count": level.repeat_count,
            "repeat_every_minutes": level.repeat_every_minutes,
        }
        for level in levels
    ]


@transaction.atomic
def policy_update(
    *, actor, severity: int, levels: list[dict], now: datetime | None = None, reset: bool = False
):
    """Replace the levels of ``severity``'s policy (security officers only; severity 0: untriaged reports).
    Audited with the levels before and after. The edit applies to rounds started after it (a new report,
    triage, severity change or reopening): a running round keeps the levels it started with. Returns the
    policy, or None when nothing changed."""
    now = now or timezone.now()
    if not can_edit_policies(actor):
        raise PermissionDenied("Only security officers edit the escalation policies.")
    try:
        severity = policy_severity(severity)
    except (TypeError, ValueError):
        raise ValidationError({"severity": "There is no such escalation policy."}) from None
    wanted = validate_levels(levels, untriaged=severity == UNTRIAGED)
    # Locked: two officers saving at once would otherwise both delete and re-create the levels, and the
    # audit trail would show a "before" that one of them never saw.
    policy = EscalationPolicy.objects.select_for_update().get(pk=policy_for(severity).pk)
    current = list(policy.levels.select_related("person").order_by("trigger", "position"))
    before = snapshot(current)
    after = snapshot(EscalationLevel(**level) for level in wanted)
    if before == after:
        return None
    policy.levels.all().delete()
    EscalationLevel.objects.bulk_create([EscalationLevel(policy=policy, **level) for level in wanted])
    policy.updated_at, policy.updated_by = now, actor
    policy.save(update_fields=["updated_at", "updated_by"])
    audit.record(
        action="escalation_policy.updated",
        actor=actor,
        obj=policy,
        changes={
            "policy": _recorded_label(severity),
            "before": before,
            "after": after,
            **({"reset_to_defaults": True} if reset else {}),
        },
    )
    return policy


def policy_reset(*, actor, severity: int, now: datetime | None = None):
    """Put the default levels back (``policy_update`` with the defaults)."""
    return policy_update(actor=actor, severity=severity, levels=default_levels(severity), now=now, reset=True)


def people_by_email(emails) -> dict:
    """Active people by (lower-case) email, in one query."""
    wanted = {email.strip().lower() for email in emails if email}
    if not wanted:
        return {}
    return {user.email: user for user in User.objects.people().filter(is_active=True, email__in=wanted)}
