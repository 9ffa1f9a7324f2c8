"""Timed escalation, after PagerDuty and Opsgenie escalation policies.

Each severity has a policy of ordered levels (``incidents.escalation_defaults`` has the defaults). Setting a
severity starts a new *round*: the levels of that severity's policy fire once each in the round.

- A "not acknowledged" level is due ``after_minutes`` after the round started (when the severity was set),
  and fires only while nobody has acknowledged the incident.
- A "not contained" level is due ``after_minutes`` after the incident was reported (the containment target
  runs from the report), and fires only while the incident is reported, triaged or under investigation.
- A level with repeats fires again every ``repeat_every_minutes``, ``repeat_count`` more times, under the same
  condition. ``working_time`` levels count only Monday to Friday in ``settings.TIME_ZONE``.
- Nothing fires for a resolved, closed or dismissed incident.

``Incident.next_escalation_at`` holds the next due time (empty: nothing can fire). The tick step
``escalate_due`` takes the incidents whose time has come, several workers sharing them
(``select_for_update(skip_locked=True)``), and fires every level and repeat due by now and not fired yet, in
order of due time: after downtime each missed one fires once, in order. A fire inserts its
``IncidentEscalation`` row (unique per incident, round, trigger, level and repeat) before telling anyone, so a
second tick, late or concurrent, never fires it again. Every fire writes an escalation line on the timeline
(even when nobody could be told), and ``timeline.tell`` adds the notification line.

Policies are edited by security officers (``policy_update``, ``policy_reset``); an edit applies to the
levels not fired yet, from the next tick on.
"""

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from dpms import audit
from dpms.models import User
from incidents import timeline
from incidents.choices import (
    UNCONTAINED_STATUSES,
    EscalationTarget,
    EscalationTrigger,
    EventKind,
    Severity,
    Status,
)
from incidents.escalation_defaults import default_levels, policy_for
from incidents.models import EscalationLevel, EscalationPolicy, Incident, IncidentEscalation
from incidents.queries import visibility

log = logging.getLogger(__name__)

BATCH_SIZE = 20  # incidents locked per transaction by the tick
MAX_LEVELS = 10
MAX_AFTER_MINUTES = 30 * 24 * 60
MAX_REPEATS = 10
MIN_REPEAT_EVERY = 5
MAX_REPEAT_EVERY = 7 * 24 * 60

# "Not acknowledged" levels keep firing while the incident is open and not resolved, even once contained.
ESCALATING_STATUSES = (*UNCONTAINED_STATUSES, Status.CONTAINED)
_TRIGGER_ORDER = {EscalationTrigger.UNACKNOWLEDGED: 0, EscalationTrigger.UNCONTAINED: 1}
_WEEKEND = (5, 6)  # Saturday, Sunday


# --- Time --------------------------------------------------------------------------------------------------


def add_working_minutes(start: datetime, minutes: int, tz=None) -> datetime:
    """``start`` plus ``minutes`` of elapsed time counted on Mondays to Fridays only, in ``tz`` (default
    ``settings.TIME_ZONE``). Zero minutes is ``start`` itself; a start at the weekend counts from Monday
    00:00. Elapsed time is counted in UTC, so a day with a daylight-saving change counts 23 or 25 hours."""
    tz = tz or zoneinfo.ZoneInfo(settings.TIME_ZONE)
    remaining = timedelta(minutes=minutes)
    current = start.astimezone(UTC)
    while remaining > timedelta(0):
        local = current.astimezone(tz)
        day_end = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        if local.weekday() in _WEEKEND:
            current = day_end
            continue
        available = day_end - current
        if remaining <= available:
            return current + remaining
        remaining -= available
        current = day_end
    return current


def offset_minutes(level: EscalationLevel, repeat: int) -> int:
    return level.after_minutes + repeat * (level.repeat_every_minutes or 0)


def due_at(incident: Incident, level: EscalationLevel, repeat: int) -> datetime:
    """When ``level`` (its ``repeat``-th repeat; 0: the level itself) is due for ``incident``."""
    start = (
        incident.reported_at
        if level.trigger == EscalationTrigger.UNCONTAINED
        else incident.escalation_started_at
    )
    minutes = offset_minutes(level, repeat)
    if level.working_time:
        return add_working_minutes(start, minutes)
    return start + timedelta(minutes=minutes)


def duration_text(minutes: int, *, working_time: bool = False) -> str:
    """ "15 minutes", "4 hours", "1 working day"."""
    working = "working " if working_time else ""
    for size, unit in ((24 * 60, "day"), (60, "hour")):
        if minutes and minutes % size == 0:
            count = minutes // size
            return f"{count} {working}{unit}{'s' if count != 1 else ''}"
    return f"{minutes} {working}minute{'s' if minutes != 1 else ''}"


# --- What a level is, in words -----------------------------------------------------------------------------

_TARGET_WORDS = {
    EscalationTarget.HANDLER: "the handler",
    EscalationTarget.SECURITY_OFFICERS: "the security officers",
    EscalationTarget.ADMINS: "the admins",
}


def target_text(level: EscalationLevel) -> str:
    if level.target == EscalationTarget.PERSON:
        return str(level.person) if level.person_id else "a named person (none chosen)"
    return _TARGET_WORDS[level.target]


def describe_level(level: EscalationLevel) -> str:
    """One policy level in words: "After 15 minutes not acknowledged: the admins; then every 15 minutes,
    3 more times"."""
    condition = "not acknowledged" if level.trigger == EscalationTrigger.UNACKNOWLEDGED else "not contained"
    when = (
        "At once"
        if level.after_minutes == 0
        else f"After {duration_text(level.after_minutes, working_time=level.working_time)}"
    )
    text = f"{when} {condition}: {target_text(level)}"
    if level.repeat_count and level.repeat_every_minutes:
        every = duration_text(level.repeat_every_minutes, working_time=level.working_time)
        text += (
            f"; then every {every}, {level.repeat_count} more time{'s' if level.repeat_count != 1 else ''}"
        )
    return text


def _reason(incident: Incident, level: EscalationLevel, repeat: int) -> str:
    """Why it fired: "not acknowledged 15 minutes after triage"."""
    minutes = offset_minutes(level, repeat)
    if level.trigger == EscalationTrigger.UNCONTAINED:
        return (
            f"not contained {duration_text(minutes, working_time=level.working_time)} after it was reported"
        )
    since = "triage" if incident.escalation_round <= 1 else "the severity change"
    if minutes == 0:
        return f"not acknowledged at {since}"
    return f"not acknowledged {duration_text(minutes, working_time=level.working_time)} after {since}"


def _level_label(level: EscalationLevel, repeat: int) -> str:
    label = f"level {level.position}"
    if level.trigger == EscalationTrigger.UNCONTAINED:
        label = f"containment {label}"
    if repeat:
        label += f", repeat {repeat} of {level.repeat_count}"
    return label


# --- Planning ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fire:
    """One level or repeat of the current round that has not fired yet."""

    due_at: datetime
    level: EscalationLevel
    repeat: int

    @property
    def key(self) -> tuple:
        return (self.level.trigger, self.level.position, self.repeat)


def trigger_applies(incident: Incident, trigger: str) -> bool:
    """May levels of ``trigger`` still fire for ``incident`` as it is now?"""
    if incident.severity is None or incident.escalation_started_at is None:
        return False
    if trigger == EscalationTrigger.UNCONTAINED:
        return incident.status in UNCONTAINED_STATUSES
    return incident.status in ESCALATING_STATUSES and incident.acknowledged_at is None


def pending_fires(incident: Incident, levels, fired: set) -> list[Fire]:
    """The levels and repeats that may still fire in this round and have not, earliest first."""
    fires = []
    for level in levels:
        if not trigger_applies(incident, level.trigger):
            continue
        repeats = level.repeat_count if level.repeat_every_minutes else 0
        for repeat in range(repeats + 1):
            if (level.trigger, level.position, repeat) not in fired:
                fires.append(Fire(due_at(incident, level, repeat), level, repeat))
    fires.sort(key=lambda f: (f.due_at, _TRIGGER_ORDER.get(f.level.trigger, 9), f.level.position, f.repeat))
    return fires


def fired_keys(incident: Incident) -> set:
    return set(
        IncidentEscalation.objects.filter(incident=incident, round=incident.escalation_round).values_list(
            "trigger", "position", "repeat"
        )
    )


def policy_levels(severity: int) -> list[EscalationLevel]:
    """The levels of ``severity``'s policy (created from the defaults if it has no row yet)."""
    policy = policy_for(severity)
    return list(policy.levels.select_related("person").order_by("trigger", "position"))


class _LevelCache(dict):
    """Policy levels by severity, read once per tick."""

    def __missing__(self, severity):
        self[severity] = policy_levels(severity)
        return self[severity]


# --- Firing -----------------------------------------------------------------------------------------------


def _recipients(incident: Incident, level: EscalationLevel) -> tuple[list, str, str]:
    """(people to tell, whom in words, why nobody when the list is empty)."""
    target = level.target
    if target == EscalationTarget.HANDLER:
        if incident.handler is not None and incident.handler.is_active:
            return [incident.handler], f"the handler ({incident.handler})", ""
        officers = list(visibility.security_officers_for(incident))
        return officers, "the security officers (no handler assigned)", "no security officer may see it"
    if target == EscalationTarget.SECURITY_OFFICERS:
        return (
            list(visibility.security_officers_for(incident)),
            "the security officers",
            "no active security officer may see it",
        )
    if target == EscalationTarget.PERSON:
        person = level.person
        if person is not None and person.is_active:
            return [person], str(person), ""
        return [], str(person) if person else "a named person", "that person is not active"
    return list(visibility.admins()), "the admins", "there are no active admins"


def _fire(incident: Incident, fire: Fire, *, now: datetime) -> bool:
    """Fire one level or repeat: claim it with its unique row, then tell the target and write the timeline.
    Returns False when it had fired already (a concurrent or repeated tick got there first)."""
    level, repeat = fire.level, fire.repeat
    people, whom, why_nobody = _recipients(incident, level)
    try:
        with transaction.atomic():
            IncidentEscalation.objects.create(
                incident=incident,
                round=incident.escalation_round,
                trigger=level.trigger,
                position=level.position,
                repeat=repeat,
                due_at=fire.due_at,
                fired_at=now,
                target=level.target,
                recipients=[timeline.person(p) for p in people],
            )
    except IntegrityError:
        return False
    reason = _reason(incident, level, repeat)
    label = _level_label(level, repeat)
    text = f"Escalated to {whom}: {reason} ({label})."
    if not people:
        text += f" Nobody could be told: {why_nobody}."
    data = {
        "round": incident.escalation_round,
        "trigger": level.trigger,
        "position": level.position,
        "repeat": repeat,
        "target": level.target,
        "due_at": fire.due_at.isoformat(),
        "recipients": [timeline.person(p) for p in people],
    }
    timeline.log(
        incident=incident, kind=EventKind.ESCALATION, text=text, data=data, audit_action="incident.escalated"
    )
    if people:
        severity = incident.severity_label
        # Those who may not see a confidential incident learn only its reference and severity.
        redact = incident.confidential and level.target in (EscalationTarget.PERSON, EscalationTarget.ADMINS)
        about = f"{incident.reference} (confidential)" if redact else f"{incident.reference} {incident.title}"
        action = "acknowledge" if level.trigger == EscalationTrigger.UNACKNOWLEDGED else "contain"
        timeline.tell(
            incident=incident,
            recipients=people,
            subject=f"Escalation: {incident.reference} ({severity}) {reason}",
            body=f"{about}\nSeverity: {severity}\nEscalation {label}: {reason}.\n\n"
            f"It needs someone to {action} it now.",
            dedup_key=(
                f"escalation:{incident.pk}:{incident.escalation_round}:{level.trigger}:{level.position}:{repeat}"
            ),
            reason=label,
        )
    return True


def _advance(incident: Incident, *, now: datetime, levels, fire: bool = True) -> int:
    """Fire what is due by ``now`` (in order of due time) when ``fire``; then store the escalation level
    and the next due time. ``incident`` is locked by the caller. Returns how many fired."""
    pending = pending_fires(incident, levels, fired_keys(incident))
    count = 0
    for item in pending:
        if not fire or item.due_at > now:
            break
        if _fire(incident, item, now=now):
            count += 1
            incident.escalation_level = max(incident.escalation_level, item.level.position)
    upcoming = [item.due_at for item in pending if not fire or item.due_at > now]
    incident.next_escalation_at = upcoming[0] if upcoming else None
    Incident.objects.filter(pk=incident.pk).update(
        escalation_round=incident.escalation_round,
        escalation_started_at=incident.escalation_started_at,
        escalation_level=incident.escalation_level,
        next_escalation_at=incident.next_escalation_at,
    )
    return count


_ESCALATION_FIELDS = ("escalation_round", "escalation_started_at", "escalation_level", "next_escalation_at")


def _locked(incident: Incident) -> Incident:
    # The row lock keeps the tick (which skips locked rows) and a concurrent hook from working on the same
    # incident at once; the caller's own lock on the row, if any, is the same transaction's and is reused.
    return Incident.objects.select_for_update(of=("self",)).select_related("handler").get(pk=incident.pk)


def _copy_back(target: Incident, source: Incident) -> None:
    # The caller keeps its instance: it must not save stale escalation fields over ours afterwards.
    for name in _ESCALATION_FIELDS:
        setattr(target, name, getattr(source, name))


# --- Hooks called by the workflow services (after they saved the incident) ---------------------------------


@transaction.atomic
def on_severity_set(*, incident, now, actor=None):
    """Severity set or changed (incident saved already): start a new round of the severity's policy and fire
    the levels due at once (minute 0) in this transaction."""
    locked = _locked(incident)
    if locked.severity is None:
        locked.next_escalation_at = None
        _advance(locked, now=now, levels=[], fire=False)
    else:
        locked.escalation_round += 1
        locked.escalation_started_at = now
        locked.escalation_level = 0
        _advance(locked, now=now, levels=policy_levels(locked.severity))
    _copy_back(incident, locked)


def _recompute(incident: Incident, now: datetime) -> None:
    locked = _locked(incident)
    levels = policy_levels(locked.severity) if locked.severity is not None else []
    # Nothing fires here: what became due while it was, say, back under investigation fires on the next tick.
    _advance(locked, now=now, levels=levels, fire=False)
    _copy_back(incident, locked)


@transaction.atomic
def on_acknowledged(*, incident, now, actor=None):
    """Acknowledged: the unacknowledged levels stop; recompute ``next_escalation_at``."""
    _recompute(incident, now)


@transaction.atomic
def on_status_changed(*, incident, now, actor=None):
    """Status changed (contained, resolved, closed, dismissed, or back): recompute ``next_escalation_at``."""
    _recompute(incident, now)


# --- Tick step ---------------------------------------------------------------------------------------------


def escalate_due(*, now) -> int:
    """Tick step: fire every level and repeat due by ``now`` on every incident, once, in order of due time.
    Returns how many fired. Incidents are taken in small batches, each batch in its own transaction; rows
    another worker holds are skipped (it fires them). One incident that fails is logged and left for the
    next tick; the others go on, and the step then fails so monitoring sees it."""
    levels = _LevelCache()
    fired, failed = 0, []
    while True:
        with transaction.atomic():
            batch = list(
                Incident.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(next_escalation_at__lte=now)
                .exclude(pk__in=failed)
                .select_related("handler")
                .order_by("next_escalation_at", "pk")[:BATCH_SIZE]
            )
            if not batch:
                break
            for incident in batch:
                # Read (or create) the policy outside the incident's savepoint: a failure rolling that back
                # must not leave the cache holding levels of a policy row that no longer exists.
                severity_levels = levels[incident.severity] if incident.severity is not None else []
                try:
                    with transaction.atomic():
                        fired += _advance(incident, now=now, levels=severity_levels)
                except Exception:
                    log.exception("Escalating incident %s failed", incident.reference)
                    failed.append(incident.pk)
    if failed:
        raise RuntimeError(f"Escalation failed for {len(failed)} incident(s); see the log")
    return fired


# --- Editing policies --------------------------------------------------------------------------------------


def can_read_policies(user) -> bool:
    return bool(user.is_active and (user.is_security_officer or user.is_auditor))


def can_edit_policies(user) -> bool:
    return bool(user.is_active and user.is_security_officer)


def _is_count(value, low, high) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _level_problems(level: dict) -> list[str]:
    problems = []
    if level.get("trigger") not in EscalationTrigger.values:
        problems.append("choose when it fires: not acknowledged or not contained")
    if level.get("target") not in EscalationTarget.values:
        problems.append("choose whom to tell")
    if not _is_count(level.get("after_minutes"), 0, MAX_AFTER_MINUTES):
        problems.append(f"the minutes must be a whole number from 0 to {MAX_AFTER_MINUTES}")
    person = level.get("person")
    if level.get("target") == EscalationTarget.PERSON and (person is None or not person.is_active):
        problems.append("choose an active person to tell")
    count = level.get("repeat_count") or 0
    if not _is_count(count, 0, MAX_REPEATS):
        problems.append(f"repeat from 0 to {MAX_REPEATS} times")
    elif count and not _is_count(level.get("repeat_every_minutes"), MIN_REPEAT_EVERY, MAX_REPEAT_EVERY):
        problems.append(f"a repeat needs an interval from {MIN_REPEAT_EVERY} to {MAX_REPEAT_EVERY} minutes")
    return problems


def validate_levels(levels: list[dict]) -> list[dict]:
    """Check a policy's levels and number them: within each trigger by their minutes (the order they fire
    in), ties in the order given. Returns the levels to store; raises ``ValidationError({"levels": [...]})``.
    """
    problems = []
    if not levels:
        problems.append("A policy needs at least one level.")
    if len(levels) > MAX_LEVELS:
        problems.append(f"A policy has at most {MAX_LEVELS} levels.")
    for number, level in enumerate(levels, start=1):
        problems += [f"Level {number}: {problem}." for problem in _level_problems(level)]
    if levels and not any(level.get("trigger") == EscalationTrigger.UNACKNOWLEDGED for level in levels):
        problems.append("Keep at least one “not acknowledged” level: nothing may sit unacknowledged.")
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
    """Replace the levels of ``severity``'s policy (security officers only). Audited with the levels before
    and after. Open incidents of that severity are looked at again by the next tick, so the edit applies to
    their levels not fired yet. Returns the policy, or None when nothing changed."""
    now = now or timezone.now()
    if not can_edit_policies(actor):
        raise PermissionDenied("Only security officers edit the escalation policies.")
    severity = Severity(severity)
    wanted = validate_levels(levels)
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
        changes={"before": before, "after": after, **({"reset_to_defaults": True} if reset else {})},
    )
    # Due at once for the next tick, which recomputes their next time with the new levels and fires what is
    # due. The round's start is a time every tick from now on is past, whatever clock it runs on.
    Incident.objects.filter(
        severity=severity, status__in=ESCALATING_STATUSES, escalation_started_at__isnull=False
    ).update(next_escalation_at=F("escalation_started_at"))
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
