"""Timed escalation, after PagerDuty and Opsgenie escalation policies.

Each severity has a policy of ordered levels, and untriaged reports have one of their own (policy 0;
``incidents.services.escalation_policies`` has the defaults). Escalation runs in *rounds*. A round starts
when an incident is reported (the untriaged policy), triaged or given a new severity (that severity's
policy), or reopened (closed or dismissed, then opened again: from the reopening time, nothing missed before
it fires). When a round starts, its levels are copied onto the incident (``Incident.escalation_plan``) and
the round fires from that copy: a policy edit applies to rounds started after the edit, never to a running
one.

- An untriaged level is due ``after_minutes`` after the report (or the reopening) and fires only while the
  incident is reported and nobody acknowledged it in this round. Triage or dismissal ends the round.
- A "not acknowledged" level is due ``after_minutes`` after the round started and fires only while nobody
  has acknowledged the incident; but a level at minute 0 of a new severity fires even on an acknowledged
  incident (the security officers hear "now SEV1").
- A "not contained" level is due ``after_minutes`` after the incident was reported (or last reopened) and
  fires only while the incident is reported, triaged or under investigation. A containment target fires
  once per incident for the same target and the same minute, whatever rounds come and go (SEV1, SEV2, SEV1
  again: the 4-hour containment escalation is not sent twice).
- A level with repeats fires again every ``repeat_every_minutes``, ``repeat_count`` more times, under the same
  condition. ``working_time`` levels count only Monday to Friday in ``settings.TIME_ZONE``.
- Nothing fires for a resolved, closed or dismissed incident.

``Incident.next_escalation_at`` holds the next due time (empty: nothing can fire). The tick step
``escalate_due`` takes the incidents whose time has come, several workers sharing them
(``select_for_update(skip_locked=True)``), and fires what is due by now and not fired yet. After downtime each
missed level fires once, in order; when several repeats of the same level are due at once only the latest is
sent and the earlier ones are recorded as skipped. A fire inserts its ``IncidentEscalation`` rows (unique per
incident, round, trigger, level and repeat) before telling anyone, so a second tick, late or concurrent, never
fires it again. Every fire writes an escalation line on the timeline (even when nobody could be told), and
``timeline.tell`` adds the notification line.

Policies are edited by security officers (``policy_update``, ``policy_reset``).
"""

import logging
import zoneinfo
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext, gettext_lazy, ngettext

from dpms.models import User
from incidents.choices import (
    UNCONTAINED_STATUSES,
    EscalationTarget,
    EscalationTrigger,
    EventKind,
    Status,
)
from incidents.models import EscalationLevel, Incident, IncidentEscalation
from incidents.queries import visibility
from incidents.services import timeline
from incidents.services.escalation_policies import (
    UNTRIAGED,
    policy_for,
)

log = logging.getLogger(__name__)

BATCH_SIZE = 20  # incidents locked per transaction by the tick

# "Not acknowledged" levels keep firing while the incident is open and not resolved, even once contained.
ESCALATING_STATUSES = (*UNCONTAINED_STATUSES, Status.CONTAINED)
_TRIGGER_ORDER: dict[str, int] = {EscalationTrigger.UNACKNOWLEDGED: 0, EscalationTrigger.UNCONTAINED: 1}
_WEEKEND = (5, 6)  # Saturday, Sunday

# Why a round started, as the reasons say it ("not acknowledged 15 minutes after triage").
SINCE_REPORT = "it was reported"
SINCE_REOPEN = "it was reopened"
SINCE_TRIAGE = "triage"
SINCE_SEVERITY = "the severity change"
SINCE_REOPENING = "reopening"


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


def offset_minutes(level, repeat: int) -> int:
    return level.after_minutes + repeat * (level.repeat_every_minutes or 0)


def duration_text(minutes: int, *, working_time: bool = False) -> str:
    """ "15 minutes", "4 hours", "1 working day"."""
    working = "working " if working_time else ""
    for size, unit in ((24 * 60, "day"), (60, "hour")):
        if minutes and minutes % size == 0:
            count = minutes // size
            return f"{count} {working}{unit}{'s' if count != 1 else ''}"
    return f"{minutes} {working}minute{'s' if minutes != 1 else ''}"


# --- The round's plan: the levels as they stood when the round started -------------------------------------


@dataclass(frozen=True)
class PlanLevel:
    """One level of the running round, read from ``Incident.escalation_plan``. ``starts_at``: the instant its
    minutes count from; ``since``: that instant in words; ``policy``: the policy it was copied from (0:
    untriaged)."""

    policy: int
    trigger: str
    position: int
    after_minutes: int
    working_time: bool
    target: str
    person_id: int | None
    person_name: str
    repeat_count: int
    repeat_every_minutes: int | None
    starts_at: datetime
    since: str

    @classmethod
    def from_json(cls, data: dict) -> "PlanLevel":
        return cls(
            policy=data["policy"],
            trigger=data["trigger"],
            position=data["position"],
            after_minutes=data["after_minutes"],
            working_time=data["working_time"],
            target=data["target"],
            person_id=data.get("person"),
            person_name=data.get("person_name") or "",
            repeat_count=data.get("repeat_count") or 0,
            repeat_every_minutes=data.get("repeat_every_minutes"),
            starts_at=datetime.fromisoformat(data["starts_at"]),
            since=data["since"],
        )

    @property
    def untriaged(self) -> bool:
        return self.policy == UNTRIAGED

    def due_at(self, repeat: int) -> datetime:
        """When this level (its ``repeat``-th repeat; 0: the level itself) is due."""
        minutes = offset_minutes(self, repeat)
        if self.working_time:
            return add_working_minutes(self.starts_at, minutes)
        return self.starts_at + timedelta(minutes=minutes)


def plan_of(levels, *, policy: int, started_at: datetime, since: str, contain_from: datetime, contain_since):
    """The JSON plan of a round from policy levels (``EscalationLevel`` rows or unsaved ones)."""
    plan = []
    for level in levels:
        containment = level.trigger == EscalationTrigger.UNCONTAINED
        plan.append(
            {
                "policy": int(policy),
                "trigger": level.trigger,
                "position": level.position,
                "after_minutes": level.after_minutes,
                "working_time": level.working_time,
                "target": level.target,
                "person": level.person_id if level.target == EscalationTarget.PERSON else None,
                "person_name": str(level.person) if level.person_id else "",
                "repeat_count": level.repeat_count or 0,
                "repeat_every_minutes": level.repeat_every_minutes if level.repeat_count else None,
                "starts_at": (contain_from if containment else started_at).isoformat(),
                "since": contain_since if containment else since,
            }
        )
    return plan


def plan_levels(incident: Incident) -> list[PlanLevel]:
    return [PlanLevel.from_json(entry) for entry in incident.escalation_plan or []]


def _containment_start(incident: Incident) -> tuple[datetime, str]:
    """Where the containment targets count from: the report, or the last reopening (kept across rounds)."""
    plan = incident.escalation_plan or []
    if plan and "contain_from" in plan[0]:
        return datetime.fromisoformat(plan[0]["contain_from"]), plan[0]["contain_since"]
    return incident.reported_at, SINCE_REPORT


def policy_levels(severity: int) -> list[EscalationLevel]:
    """The levels of ``severity``'s policy (created from the defaults if it has no row yet)."""
    policy = policy_for(severity)
    return list(policy.levels.select_related("person").order_by("trigger", "position"))


def _start_round(incident: Incident, *, now: datetime, policy: int, since: str, reopened: bool = False):
    """Start a new round of ``policy`` at ``now`` on the locked ``incident`` (saved by ``_advance``)."""
    contain_from, contain_since = (now, SINCE_REOPEN) if reopened else _containment_start(incident)
    incident.escalation_round += 1
    incident.escalation_started_at = now
    incident.escalation_level = 0
    incident.escalation_plan = plan_of(
        policy_levels(policy),
        policy=policy,
        started_at=now,
        since=since,
        contain_from=contain_from,
        contain_since=contain_since,
    )
    # Where containment counts from, for the rounds after this one (the untriaged policy has no such level).
    for entry in incident.escalation_plan:
        entry["contain_from"], entry["contain_since"] = contain_from.isoformat(), contain_since


def _legacy_plan(incident: Incident) -> None:
    """A round started before plans were stored (or set up directly, like the demo data): copy the current
    policy once, keeping the round's start, so it runs from a fixed plan from now on."""
    if incident.escalation_plan or incident.severity is None or incident.escalation_started_at is None:
        return
    since = SINCE_TRIAGE if incident.escalation_round <= 1 else SINCE_SEVERITY
    incident.escalation_plan = plan_of(
        policy_levels(incident.severity),
        policy=incident.severity,
        started_at=incident.escalation_started_at,
        since=since,
        contain_from=incident.reported_at,
        contain_since=SINCE_REPORT,
    )


# --- What a level is, in words -----------------------------------------------------------------------------

_TARGET_WORDS = {
    EscalationTarget.HANDLER: gettext_lazy("the handler"),
    EscalationTarget.SECURITY_OFFICERS: gettext_lazy("the security officers"),
    EscalationTarget.ADMINS: gettext_lazy("the admins"),
}


def target_text(level) -> str:
    if level.target == EscalationTarget.PERSON:
        if isinstance(level, PlanLevel):
            return level.person_name or gettext("a named person (none chosen)")
        return str(level.person) if level.person_id else gettext("a named person (none chosen)")
    return str(_TARGET_WORDS[level.target])


def duration_words(minutes: int, *, working_time: bool = False) -> str:
    """ "15 minutes", "4 hours", "1 working day", in the language being rendered (``duration_text`` is the
    record's English)."""
    if minutes and minutes % (24 * 60) == 0:
        count = minutes // (24 * 60)
        if working_time:
            return ngettext("%(count)s working day", "%(count)s working days", count) % {"count": count}
        return ngettext("%(count)s day", "%(count)s days", count) % {"count": count}
    if minutes and minutes % 60 == 0:
        count = minutes // 60
        if working_time:
            return ngettext("%(count)s working hour", "%(count)s working hours", count) % {"count": count}
        return ngettext("%(count)s hour", "%(count)s hours", count) % {"count": count}
    if working_time:
        return ngettext("%(count)s working minute", "%(count)s working minutes", minutes) % {"count": minutes}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


# One sentence per condition, at once and after a while (a condition is never a loose word in a sentence).
_AT_ONCE = {
    "untriaged": gettext_lazy("At once not triaged: %(target)s"),
    EscalationTrigger.UNACKNOWLEDGED: gettext_lazy("At once not acknowledged: %(target)s"),
    EscalationTrigger.UNCONTAINED: gettext_lazy("At once not contained: %(target)s"),
}
_AFTER = {
    "untriaged": gettext_lazy("After %(duration)s not triaged: %(target)s"),
    EscalationTrigger.UNACKNOWLEDGED: gettext_lazy("After %(duration)s not acknowledged: %(target)s"),
    EscalationTrigger.UNCONTAINED: gettext_lazy("After %(duration)s not contained: %(target)s"),
}


def describe_level(level, *, untriaged: bool | None = None) -> str:
    """One policy level in words, in the language being rendered: "After 15 minutes not acknowledged: the
    admins; then every 15 minutes, 3 more times". A level of the untriaged policy reads "not triaged"."""
    if untriaged is None:
        untriaged = isinstance(level, PlanLevel) and level.untriaged
    condition = "untriaged" if untriaged else level.trigger
    values = {
        "target": target_text(level),
        "duration": duration_words(level.after_minutes, working_time=level.working_time),
    }
    text = str(_AT_ONCE[condition] if level.after_minutes == 0 else _AFTER[condition]) % values
    if level.repeat_count and level.repeat_every_minutes:
        every = duration_words(level.repeat_every_minutes, working_time=level.working_time)
        text += ngettext(
            "; then every %(every)s, %(count)s more time",
            "; then every %(every)s, %(count)s more times",
            level.repeat_count,
        ) % {"every": every, "count": level.repeat_count}
    return text


def _reason(incident: Incident, level: PlanLevel, repeat: int) -> str:
    """Why it fired: "not acknowledged 15 minutes after triage"."""
    minutes = offset_minutes(level, repeat)
    duration = duration_text(minutes, working_time=level.working_time)
    if level.untriaged:
        return (
            f"not triaged when {level.since}"
            if minutes == 0
            else f"not triaged {duration} after {level.since}"
        )
    if level.trigger == EscalationTrigger.UNCONTAINED:
        return f"not contained {duration} after {level.since}"
    if minutes == 0 and incident.acknowledged_at is not None:  # a new severity, told even when acknowledged
        return f"now {incident.severity_label} after {level.since}, acknowledged already"
    if minutes == 0:
        return f"not acknowledged at {level.since}"
    return f"not acknowledged {duration} after {level.since}"


def _level_label(level: PlanLevel, repeat: int) -> str:
    label = f"level {level.position}"
    if level.untriaged:
        label = f"untriaged {label}"
    elif level.trigger == EscalationTrigger.UNCONTAINED:
        label = f"containment {label}"
    if repeat:
        label += f", repeat {repeat} of {level.repeat_count}"
    return label


def _skipped_text(level: PlanLevel, repeats: list[int]) -> str:
    """ "Repeats 1-2 of level 2 were due during downtime; sent once." """
    low, high = repeats[0], repeats[-1]
    if low == 0:
        words = f"Level {level.position} and its " + (f"repeat {high}" if high == 1 else f"repeats 1-{high}")
    else:
        words = f"Repeats {low}-{high} of level {level.position}"
    return f"{words} were due during downtime; sent once."


# --- Planning ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fire:
    """One level or repeat of the current round that has not fired yet."""

    due_at: datetime
    level: PlanLevel
    repeat: int

    @property
    def key(self) -> tuple:
        return (self.level.trigger, self.level.position, self.repeat)


def level_applies(incident: Incident, level: PlanLevel, *, at_start: bool = False, repeat: int = 0) -> bool:
    """May ``level`` still fire for ``incident`` as it is now? ``at_start``: the round is starting, when a
    minute-0 level of a severity fires even on an acknowledged incident."""
    if incident.escalation_started_at is None:
        return False
    if level.untriaged:
        acknowledged = incident.acknowledged_at is not None and incident.acknowledged_at >= level.starts_at
        return incident.status == Status.REPORTED and not acknowledged
    if incident.severity is None:
        return False
    if level.trigger == EscalationTrigger.UNCONTAINED:
        return incident.status in UNCONTAINED_STATUSES
    if incident.status not in ESCALATING_STATUSES:
        return False
    return incident.acknowledged_at is None or (at_start and level.after_minutes == 0 and repeat == 0)


def _containment_key(target, person_id, due: datetime) -> tuple:
    return (target, person_id, due)


def pending_fires(incident: Incident, levels, fired: set, contained: set, *, at_start=False) -> list[Fire]:
    """The levels and repeats that may still fire in this round and have not, earliest first. ``fired``:
    the keys fired in this round; ``contained``: the containment targets fired in any round."""
    fires = []
    for level in levels:
        repeats = level.repeat_count if level.repeat_every_minutes else 0
        for repeat in range(repeats + 1):
            if not level_applies(incident, level, at_start=at_start, repeat=repeat):
                continue
            if (level.trigger, level.position, repeat) in fired:
                continue
            due = level.due_at(repeat)
            if level.trigger == EscalationTrigger.UNCONTAINED and (
                _containment_key(level.target, level.person_id, due) in contained
            ):
                continue
            fires.append(Fire(due, level, repeat))
    fires.sort(key=lambda f: (f.due_at, _TRIGGER_ORDER.get(f.level.trigger, 9), f.level.position, f.repeat))
    return fires


def fired_keys(incident: Incident) -> tuple[set, set]:
    """(keys fired in this round, containment targets fired in any round): one query."""
    rows = IncidentEscalation.objects.filter(incident=incident).values_list(
        "round", "trigger", "position", "repeat", "target", "person_id", "due_at"
    )
    fired, contained = set(), set()
    for round_, trigger, position, repeat, target, person_id, due in rows:
        if round_ == incident.escalation_round:
            fired.add((trigger, position, repeat))
        if trigger == EscalationTrigger.UNCONTAINED:
            contained.add(_containment_key(target, person_id, due))
    return fired, contained


# --- Firing -----------------------------------------------------------------------------------------------


def _recipients(incident: Incident, level: PlanLevel) -> tuple[list, str, str]:
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
        person = User.objects.filter(pk=level.person_id).first() if level.person_id else None
        if person is not None and person.is_active:
            return [person], str(person), ""
        name = str(person) if person else level.person_name or "a named person"
        return [], name, "that person is not active"
    return list(visibility.admins()), "the admins", "there are no active admins"


def _fire(incident: Incident, fire: Fire, *, now: datetime, skipped=()) -> bool:
    """Fire one level or repeat: claim it (and the earlier repeats of the same level it stands for, recorded
    as skipped) with its unique rows, then tell the target and write the timeline. Returns False when it had
    fired already (a concurrent or repeated tick got there first)."""
    level, repeat = fire.level, fire.repeat
    people, whom, why_nobody = _recipients(incident, level)
    row = {
        "incident": incident,
        "round": incident.escalation_round,
        "trigger": level.trigger,
        "position": level.position,
        "target": level.target,
        "person_id": level.person_id,
        "fired_at": now,
    }
    try:
        with transaction.atomic():
            IncidentEscalation.objects.bulk_create(
                [
                    IncidentEscalation(**row, repeat=item.repeat, due_at=item.due_at, skipped=True)
                    for item in skipped
                ]
                + [
                    IncidentEscalation(
                        **row,
                        repeat=repeat,
                        due_at=fire.due_at,
                        recipients=[timeline.person(p) for p in people],
                    )
                ]
            )
    except IntegrityError:
        return False
    reason = _reason(incident, level, repeat)
    label = _level_label(level, repeat)
    text = f"Escalated to {whom}: {reason} ({label})."
    if skipped:
        text += " " + _skipped_text(level, [item.repeat for item in skipped] + [repeat])
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
        "skipped": [item.repeat for item in skipped],
    }
    timeline.log(
        incident=incident, kind=EventKind.ESCALATION, text=text, data=data, audit_action="incident.escalated"
    )
    if people:
        severity = incident.severity_label
        # Those who may not see a confidential incident learn only its reference and severity.
        redact = incident.confidential and level.target in (EscalationTarget.PERSON, EscalationTarget.ADMINS)
        about = f"{incident.reference} (confidential)" if redact else f"{incident.reference} {incident.title}"
        if level.untriaged:
            action = "triage"
        elif level.trigger == EscalationTrigger.UNACKNOWLEDGED:
            action = "acknowledge"
        else:
            action = "contain"
        if level.trigger == EscalationTrigger.UNCONTAINED:
            # Keyed by target and due time, not by round: the same containment target is told once.
            when = fire.due_at.astimezone(UTC)
            key = f"escalation:{incident.pk}:uncontained:{level.target}:{level.person_id}:{when:%Y%m%d%H%M}"
        else:
            key = f"escalation:{incident.pk}:{incident.escalation_round}:{level.trigger}:{level.position}"
            key += f":{repeat}"
        timeline.tell(
            incident=incident,
            recipients=people,
            subject=f"Escalation: {incident.reference} ({severity}) {reason}",
            body=f"{about}\nSeverity: {severity}\nEscalation {label}: {reason}.\n\n"
            + (
                f"It was acknowledged already: this tells you it is {severity} now."
                if action == "acknowledge" and incident.acknowledged_at is not None
                else f"It needs someone to {action} it now."
            ),
            dedup_key=key,
            reason=label,
            owed=True,
        )
    return True


def _batches(due: list[Fire]) -> list[tuple[Fire, list[Fire]]]:
    """Group what is due by level: the latest due repeat of each level is sent, the earlier ones it stands
    for are skipped. Levels in the order they first came due."""
    groups: dict[tuple, list[Fire]] = {}
    for item in due:  # earliest first
        groups.setdefault((item.level.trigger, item.level.position), []).append(item)
    return [(items[-1], items[:-1]) for items in groups.values()]


def _advance(incident: Incident, *, now: datetime, fire: bool = True, at_start: bool = False) -> int:
    """Fire what is due by ``now`` when ``fire``; then store the escalation fields and the next due time.
    ``incident`` is locked by the caller. Returns how many fired (levels sent, not skipped repeats)."""
    _legacy_plan(incident)
    fired, contained = fired_keys(incident)
    pending = pending_fires(incident, plan_levels(incident), fired, contained, at_start=at_start)
    count = 0
    if fire:
        for item, skipped in _batches([item for item in pending if item.due_at <= now]):
            if _fire(incident, item, now=now, skipped=skipped):
                count += 1
                incident.escalation_level = max(incident.escalation_level, item.level.position)
    # What is still ahead; an acknowledged incident's minute-0 level passed at the start is not waited for.
    if at_start:
        fired, contained = fired_keys(incident)
        pending = pending_fires(incident, plan_levels(incident), fired, contained)
    upcoming = [item.due_at for item in pending if not fire or item.due_at > now]
    incident.next_escalation_at = min(upcoming) if upcoming else None
    Incident.objects.filter(pk=incident.pk).update(
        **{name: getattr(incident, name) for name in _ESCALATION_FIELDS}
    )
    return count


_ESCALATION_FIELDS = (
    "escalation_round",
    "escalation_started_at",
    "escalation_level",
    "next_escalation_at",
    "escalation_plan",
)


def _locked(incident: Incident) -> Incident:
    # The row lock keeps the tick (which skips locked rows) and a concurrent hook from working on the same
    # incident at once; the caller's own lock on the row, if any, is the same transaction's and is reused.
    return Incident.objects.select_for_update(of=("self",)).select_related("handler").get(pk=incident.pk)


def _copy_back(target: Incident, source: Incident) -> None:
    # The caller keeps its instance: it must not save stale escalation fields over ours afterwards.
    for name in _ESCALATION_FIELDS:
        setattr(target, name, getattr(source, name))


def _round_policy(incident: Incident) -> int | None:
    plan = incident.escalation_plan or []
    return plan[0]["policy"] if plan else None


# --- Hooks called by the services (after they saved the incident) ------------------------------------------


@transaction.atomic
def on_reported(*, incident, now):
    """Reported: the untriaged policy runs from the report until someone triages, dismisses or acknowledges
    it."""
    locked = _locked(incident)
    _start_round(locked, now=now, policy=UNTRIAGED, since=SINCE_REPORT)
    _advance(locked, now=now, at_start=True)
    _copy_back(incident, locked)


@transaction.atomic
def on_severity_set(*, incident, now, actor=None):
    """Severity set or changed (incident saved already): start a new round of the severity's policy and fire
    the levels due at once (minute 0) in this transaction, even on an acknowledged incident."""
    locked = _locked(incident)
    if locked.severity is None:
        _advance(locked, now=now, fire=False)
    else:
        first = _round_policy(locked) in (None, UNTRIAGED)
        _start_round(locked, now=now, policy=locked.severity, since=SINCE_TRIAGE if first else SINCE_SEVERITY)
        _advance(locked, now=now, at_start=True)
    _copy_back(incident, locked)


def _recompute(incident: Incident, now: datetime) -> None:
    locked = _locked(incident)
    # Nothing fires here: what became due while it was, say, back under investigation fires on the next tick.
    _advance(locked, now=now, fire=False)
    _copy_back(incident, locked)


@transaction.atomic
def on_acknowledged(*, incident, now, actor=None):
    """Acknowledged: the unacknowledged (and untriaged) levels stop; recompute ``next_escalation_at``."""
    _recompute(incident, now)


@transaction.atomic
def on_status_changed(*, incident, now, actor=None):
    """Status changed (triaged, contained, resolved, closed, dismissed, or back): recompute
    ``next_escalation_at``. Triage ends the untriaged round: when the severity is not new (so
    ``on_severity_set`` was not called), the severity's round starts here."""
    locked = _locked(incident)
    if (
        _round_policy(locked) == UNTRIAGED
        and locked.status in ESCALATING_STATUSES
        and locked.status != Status.REPORTED
        and locked.severity is not None
    ):
        _start_round(locked, now=now, policy=locked.severity, since=SINCE_TRIAGE)
        _advance(locked, now=now, at_start=True)
    else:
        _advance(locked, now=now, fire=False)
    _copy_back(incident, locked)


@transaction.atomic
def on_reopened(*, incident, now, actor=None):
    """Reopened (dismissed → reported, or closed → an open status): a new round from ``now``, so nothing
    that would have been due while it was closed fires; containment targets count from ``now`` too."""
    locked = _locked(incident)
    if locked.status == Status.REPORTED:
        _start_round(locked, now=now, policy=UNTRIAGED, since=SINCE_REOPEN, reopened=True)
    elif locked.severity is not None:
        _start_round(locked, now=now, policy=locked.severity, since=SINCE_REOPENING, reopened=True)
    _advance(locked, now=now)
    _copy_back(incident, locked)


@transaction.atomic
def schedule_existing(*, incident, now):
    """For incidents written outside the services (the demo data, an import): start the round their state
    implies — the untriaged policy from the report, or their severity's policy from triage — and leave what
    is already due to the next tick, which sends each missed level once, as after downtime."""
    locked = _locked(incident)
    if not locked.is_open or locked.status == Status.RESOLVED:
        return
    if locked.severity is None:
        _start_round(locked, now=locked.reported_at, policy=UNTRIAGED, since=SINCE_REPORT)
    else:
        _start_round(
            locked, now=locked.triaged_at or locked.reported_at, policy=locked.severity, since=SINCE_TRIAGE
        )
    _advance(locked, now=now, fire=False)
    _copy_back(incident, locked)


# --- Tick step ---------------------------------------------------------------------------------------------


def escalate_due(*, now) -> int:
    """Tick step: fire every level due by ``now`` on every incident, once, in order of due time. Returns how
    many fired. Incidents are taken in small batches, each batch in its own transaction; rows another worker
    holds are skipped (it fires them). One incident that fails is logged and left for the next tick; the
    others go on, and the step then fails so monitoring sees it."""
    fired = 0
    failed: list[int] = []
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
                if not incident.escalation_plan and incident.severity is not None:
                    # A round without a stored plan reads the policy (creating it from the defaults) outside
                    # the incident's savepoint, so a failure does not roll the policy row back under us.
                    policy_for(incident.severity)
                try:
                    with transaction.atomic():
                        fired += _advance(incident, now=now)
                except Exception:
                    log.exception("Escalating incident %s failed", incident.reference)
                    failed.append(incident.pk)
    if failed:
        raise RuntimeError(f"Escalation failed for {len(failed)} incident(s); see the log")
    return fired
