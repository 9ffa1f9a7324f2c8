"""Acknowledgement campaigns: asking a policy's audience to read and acknowledge its version in force and
answer its questions, by a date; the same mechanism as access reviews (``dpms.campaigns``).

- **Launch**: a security officer launches one at any time (``campaign_launch``); the tick launches each
  yearly policy's campaign when its ``next_run_at`` passes (``launch_due_campaigns``), and gives people who
  joined within ``POLICY_JOINER_DAYS`` theirs (``launch_joiner_campaigns``, and at once when a person is
  created: ``on_person_joined``). The population is frozen at launch as assignments (a snapshot of each
  person's name, team and manager), counted and hashed. Someone who already acknowledged **this version**
  (and answered, when the campaign asks questions) is still assigned, but done from the start: their
  acknowledgement carries over. An acknowledgement of an earlier version never does.
- **Reminders and escalation** (tick steps): one digest per person per reminder step, listing every policy
  they still owe; after N overdue days the pending people's managers hear of them (level 1), after N more
  the security officers (level 2), each once.
- **Close** (a security officer, or the tick at ``closes_at``): what is still pending becomes "no
  response", and the evidence is frozen: a CSV (one row per assignment) with a manifest holding its SHA-256,
  which verifies offline with ``sha256sum``. A large campaign closes in a Celery task.
- **Leavers**: a person deactivated is excused from what they still owed.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from dpms import audit, notify
from dpms import campaigns as shared
from dpms.enqueue import enqueue
from dpms.models import User
from dpms.notify import Digest, DigestItem
from policies.choices import AssignmentStatus, CampaignKind, CampaignStatus, QuestionKind
from policies.models import (
    Assignment,
    AttestationQuestion,
    Policy,
    PolicyCampaign,
    PolicyEvidenceChunk,
    PolicyVersion,
)
from policies.queries.campaigns import (
    campaign_questions,
    carried_over,
    evidence_assignments,
    has_assignment_for,
    may_close_campaigns,
    may_launch_campaigns,
    pending_assignments,
    status_counts,
    version_in_force,
)

# Whom a policy's campaigns ask, offered with the services that launch them.
from policies.queries.campaigns import population as population

log = logging.getLogger(__name__)

# Assignments written per INSERT: a company's whole staff is a few of these.
BATCH_SIZE = 1000
# A campaign of more assignments than this closes in a Celery task (``policies.tasks.close_campaign``): its
# evidence takes a while to write, and a security officer's close must not hold a web request that long.
BACKGROUND_CLOSE_OVER = 2000
# Sent by name: the tasks module calls this one, not back.
CLOSE_TASK = "policies.tasks.close_campaign"
# Where a person acknowledges what they owe.
MINE_LINK = "/policies/mine/"
# A joiner has at least this long to acknowledge, however late the tick saw them.
JOINER_MIN_DAYS = 3


@dataclass(frozen=True)
class QuestionSpec:
    """A question to ask in one campaign instead of the policy's template questions."""

    text: str
    kind: str = QuestionKind.YES_NO
    help_text: str = ""
    required: bool = True


def schedule(policy: Policy) -> shared.Schedule:
    """The policy's reminder steps and escalation."""
    return shared.Schedule(
        remind_at_launch=policy.remind_at_launch,
        remind_at_half_time=policy.remind_at_half_time,
        days_before_due=tuple(policy.reminder_days_before_due or ()),
        daily_when_overdue=policy.remind_daily_when_overdue,
        escalate_after_days=policy.escalate_after_overdue_days,
    )


def person_label(user) -> str:
    """How an assignment names its person once and for all: "Full Name <email>"."""
    return f"{user.full_name} <{user.email}>"[:300]


def close_date(policy: Policy, due_at: datetime.datetime) -> datetime.datetime:
    """When a campaign due at ``due_at`` closes by itself: after its escalation window (the managers after N
    overdue days, the security officers after N more), as an access review does."""
    return due_at + timedelta(days=2 * policy.escalate_after_overdue_days)


# --- Launch ----------------------------------------------------------------------------------------------
def _campaign_name(policy: Policy, version: PolicyVersion, period: str) -> str:
    """A campaign's name, the same in every language (the kind is shown beside it, translated)."""
    return f"{policy.title} v{version.number}, {period}"[:200]


def _copy_questions(
    campaign: PolicyCampaign, policy: Policy, questions: Sequence[QuestionSpec | Mapping[str, Any]] | None
) -> int:
    """The campaign's own copy of the questions: those given, else the policy's template questions."""
    if questions is None:
        specs = [
            QuestionSpec(text=q.text, kind=q.kind, help_text=q.help_text, required=q.required)
            for q in AttestationQuestion.objects.filter(policy=policy).order_by("position", "pk")
        ]
    else:
        specs = [q if isinstance(q, QuestionSpec) else QuestionSpec(**q) for q in questions]
    AttestationQuestion.objects.bulk_create(
        AttestationQuestion(
            campaign=campaign,
            position=position,
            kind=spec.kind,
            text=spec.text[:300],
            help_text=spec.help_text[:300],
            required=spec.required,
        )
        for position, spec in enumerate(specs)
    )
    return len(specs)


def _create_campaign(
    *,
    policy: Policy,
    version: PolicyVersion,
    kind: str,
    key: str,
    name: str,
    now: datetime.datetime,
    due_at: datetime.datetime,
    actor=None,
    questions: Sequence[QuestionSpec | Mapping[str, Any]] | None = None,
) -> tuple[PolicyCampaign, bool]:
    """The campaign of ``policy`` for period ``key``: created once, however often and by whomever asked."""
    try:
        # A savepoint: when a concurrent launch won the race, the unique key refuses this one and the
        # outer transaction carries on with the winner's campaign.
        with transaction.atomic():
            campaign, created = PolicyCampaign.objects.get_or_create(
                policy=policy,
                period_key=key,
                defaults={
                    "version": version,
                    "kind": kind,
                    "name": name,
                    "status": CampaignStatus.LAUNCHING,
                    "launched_by": actor,
                    "launched_at": now,
                    "due_at": due_at,
                    "closes_at": close_date(policy, due_at),
                },
            )
            if created:
                _copy_questions(campaign, policy, questions)
    except IntegrityError:
        return PolicyCampaign.objects.get(policy=policy, period_key=key), False
    return campaign, created


def _assign(campaign: PolicyCampaign, people: QuerySet[User]) -> tuple[int, int]:
    """Assign ``people`` (those not in the campaign yet) in batches, with the snapshot of who they are now;
    those whose acknowledgement of the version carries over start done. Returns (assigned, done)."""
    asks_questions = campaign_questions(campaign).filter(required=True).exists()
    acknowledged = dict(
        carried_over(campaign.version, with_questions=asks_questions)
        .filter(person__in=people.values("pk"))
        .values_list("person_id", "acknowledged_at")
    )
    fresh = (
        people.exclude(pk__in=Assignment.objects.filter(campaign=campaign).values("person_id"))
        .select_related("team")
        .only("pk", "email", "full_name", "manager_id", "team__name")
        .order_by("pk")
    )
    assigned = done = 0
    batch: list[Assignment] = []
    for person in fresh.iterator(chunk_size=BATCH_SIZE):
        at = acknowledged.get(person.pk)
        batch.append(
            Assignment(
                campaign=campaign,
                person_id=person.pk,
                person_label=person_label(person),
                team_name=person.team.name if person.team else "",
                manager_id=person.manager_id,
                status=AssignmentStatus.DONE if at else AssignmentStatus.PENDING,
                done_at=at,
            )
        )
        done += at is not None
        if len(batch) == BATCH_SIZE:
            assigned += len(Assignment.objects.bulk_create(batch, ignore_conflicts=True))
            batch = []
    if batch:
        assigned += len(Assignment.objects.bulk_create(batch, ignore_conflicts=True))
    return assigned, done


def _snapshot(campaign: PolicyCampaign) -> shared.Population:
    """Count and hash the campaign's population (``person_id,person_label`` lines: the evidence's
    ``person_id`` and ``person`` columns, so an auditor recomputes the hash from the CSV), written and
    sorted by the database and hashed a chunk at a time, as an access review's launch does."""
    snapshot = shared.population_snapshot_of(campaign.assignments.all(), ("person_id", "person_label"))
    campaign.population_count = snapshot.count
    campaign.population_sha256 = snapshot.sha256
    return snapshot


def _open(
    campaign: PolicyCampaign, people: QuerySet[User], *, actor, questions_given: bool
) -> PolicyCampaign:
    """Write a new campaign's population, count and hash it, open it and record the launch."""
    assigned, done = _assign(campaign, people)
    snapshot = _snapshot(campaign)
    campaign.status = CampaignStatus.OPEN
    campaign.save(update_fields=["population_count", "population_sha256", "status"])
    audit.record(
        action="policy.campaign.launch",
        actor=actor,
        obj=campaign,
        changes={
            "policy": campaign.policy.title,
            "version": campaign.version.number,
            "kind": campaign.kind,
            "period_key": campaign.period_key,
            "launched_at": campaign.launched_at,
            "due_at": campaign.due_at,
            "questions": campaign_questions(campaign).count(),
            "questions_given": questions_given,
            "population_count": snapshot.count,
            "population_sha256": snapshot.sha256,
            "done_at_launch": done,
        },
    )
    return campaign


@transaction.atomic
def campaign_launch(
    *,
    actor,
    policy: Policy,
    due_at: datetime.datetime | None = None,
    questions: Sequence[QuestionSpec | Mapping[str, Any]] | None = None,
    now: datetime.datetime | None = None,
) -> PolicyCampaign:
    """A security officer launches an ad hoc campaign of ``policy``'s version in force now, due at
    ``due_at`` (else after the policy's ``duration_days``), asking ``questions`` (else the policy's
    template questions). Nobody is told here: the launch reminder step does that at the next tick."""
    if actor is None or not may_launch_campaigns(actor):
        raise ValidationError(_("Only a security officer launches a campaign."))
    now = now or timezone.now()
    # Lock the policy: a double submit must not launch two campaigns side by side.
    policy = Policy.objects.select_for_update().get(pk=policy.pk)
    if policy.archived:
        raise ValidationError(_("This policy is archived: restore it before launching a campaign."))
    version = version_in_force(policy, timezone.localdate(now))
    if version is None:
        raise ValidationError(_("This policy has no version in force yet: publish one first."))
    running = policy.campaigns.filter(
        version=version,
        kind__in=(CampaignKind.ADHOC, CampaignKind.SCHEDULED),
        status__in=(CampaignStatus.LAUNCHING, CampaignStatus.OPEN, CampaignStatus.CLOSING),
    )
    if running.exists():
        raise ValidationError(
            _("A campaign of version %(number)s is still open: close it before launching another.")
            % {"number": version.number}
        )
    due_at = due_at or now + timedelta(days=policy.duration_days)
    if due_at <= now:
        raise ValidationError({"due_at": _("The due date must be in the future.")})
    campaign, _created = _create_campaign(
        policy=policy,
        version=version,
        kind=CampaignKind.ADHOC,
        key=f"adhoc-{now:%Y%m%dT%H%M%S%f}",
        name=_campaign_name(policy, version, timezone.localdate(now).isoformat()),
        now=now,
        due_at=due_at,
        actor=actor,
        questions=questions,
    )
    return _open(campaign, population(policy), actor=actor, questions_given=questions is not None)


def _a_year_on(moment: datetime.datetime) -> datetime.datetime:
    try:
        return moment.replace(year=moment.year + 1)
    except ValueError:  # 29 February
        return moment.replace(year=moment.year + 1, day=28)


def latest_occasion(next_run_at: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """The latest yearly occasion at or before ``now``, counting from ``next_run_at`` (itself when no other
    came since): after downtime of a year or more the missed ones are skipped, one campaign catches up."""
    occasion = next_run_at
    while _a_year_on(occasion) <= now:
        occasion = _a_year_on(occasion)
    return occasion


def next_run_after(next_run_at: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """The next yearly run after ``now``, on the same day of the year."""
    return _a_year_on(latest_occasion(next_run_at, now))


def launch_due_campaigns(*, now: datetime.datetime) -> int:
    """Tick step: launch the yearly campaign of every policy whose ``next_run_at`` has passed (period key the
    occasion's year), once, and move ``next_run_at`` a year on. A policy without a version in force stays
    due, and launches when its first version comes into force. Returns how many it launched."""
    launched = 0
    due_ids = list(
        Policy.objects.filter(yearly=True, archived=False, next_run_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    today = timezone.localdate(now)
    for policy_id in due_ids:
        with transaction.atomic():
            # Two ticks at once: the second skips the row the first holds, then finds next_run_at moved on.
            policy = (
                Policy.objects.select_for_update(skip_locked=True)
                .filter(pk=policy_id, yearly=True, archived=False, next_run_at__lte=now)
                .first()
            )
            if policy is None or policy.next_run_at is None:
                continue
            version = version_in_force(policy, today)
            if version is None:
                continue
            # The year of the occasion, not of the tick: a run due on 31 December that the tick reaches on
            # 1 January is that year's, and next December's is the next year's.
            occasion = latest_occasion(policy.next_run_at, now)
            key = str(timezone.localdate(occasion).year)
            campaign, created = _create_campaign(
                policy=policy,
                version=version,
                kind=CampaignKind.SCHEDULED,
                key=key,
                name=_campaign_name(policy, version, key),
                now=now,
                due_at=now + timedelta(days=policy.duration_days),
            )
            if created:
                _open(campaign, population(policy), actor=None, questions_given=False)
                launched += 1
            policy.next_run_at = next_run_after(policy.next_run_at, now)
            policy.save(update_fields=["next_run_at"])
    return launched


# --- Joiners ---------------------------------------------------------------------------------------------
def _joiners(policy: Policy, version: PolicyVersion, since: datetime.datetime) -> QuerySet[User]:
    """People in ``policy``'s population who joined since ``since`` and were never asked to acknowledge
    ``version``."""
    return (
        population(policy)
        .filter(date_joined__gte=since)
        .exclude(pk__in=has_assignment_for(version).values("person_id"))
    )


def _give_joiners(
    policy: Policy, version: PolicyVersion, joiners: QuerySet[User], now: datetime.datetime, actor=None
) -> int:
    """Put ``joiners`` in today's joiners' campaign of ``policy`` (created for the first of the day). Due
    ``POLICY_JOINER_DAYS`` after the earliest of them joined, and at least ``JOINER_MIN_DAYS`` from now.
    Returns how many were assigned."""
    today = timezone.localdate(now)
    key = f"joiners-{today.isoformat()}"
    existing = PolicyCampaign.objects.filter(policy=policy, period_key=key).first()
    if existing is not None and (existing.version_id != version.pk or existing.status != CampaignStatus.OPEN):
        # A new version came into force today, or today's campaign was closed early: a campaign of its own.
        key = f"joiners-{today.isoformat()}-v{version.number}"
        existing = PolicyCampaign.objects.filter(policy=policy, period_key=key).first()
        if existing is not None and existing.status != CampaignStatus.OPEN:
            return 0  # the next day's campaign takes them
    if existing is None:
        first_joined = joiners.order_by("date_joined").values_list("date_joined", flat=True).first()
        if first_joined is None:
            return 0
        due_at = max(
            first_joined + timedelta(days=settings.POLICY_JOINER_DAYS), now + timedelta(days=JOINER_MIN_DAYS)
        )
        campaign, created = _create_campaign(
            policy=policy,
            version=version,
            kind=CampaignKind.JOINER,
            key=key,
            name=_campaign_name(policy, version, key),
            now=now,
            due_at=due_at,
            actor=None,
        )
        if created:
            _open(campaign, joiners, actor=actor, questions_given=False)
            return campaign.population_count
        existing = campaign
    # Today's campaign is open: add them to it, and count and hash its population again.
    campaign = PolicyCampaign.objects.select_for_update(of=("self",)).get(pk=existing.pk)
    assigned, _done = _assign(campaign, joiners)
    if assigned:
        before = (campaign.population_count, campaign.population_sha256)
        snapshot = _snapshot(campaign)
        campaign.save(update_fields=["population_count", "population_sha256"])
        audit.record(
            action="policy.campaign.joiners_added",
            actor=actor,
            obj=campaign,
            changes={
                "assigned": assigned,
                "population_count": [before[0], snapshot.count],
                "population_sha256": [before[1], snapshot.sha256],
            },
        )
    return assigned


def _policies_in_force(today: datetime.date) -> list[tuple[Policy, int]]:
    """Every policy not archived that has a version in force, with that version's id (one query)."""
    in_force = PolicyVersion.objects.filter(policy=OuterRef("pk"), effective_date__lte=today).order_by(
        "-number"
    )
    rows = (
        Policy.objects.filter(archived=False)
        .annotate(version_in_force_id=Subquery(in_force.values("pk")[:1]))
        .filter(version_in_force_id__isnull=False)
        .order_by("pk")
    )
    return [(policy, policy.version_in_force_id) for policy in rows]


def launch_joiner_campaigns(*, now: datetime.datetime) -> int:
    """Tick step: people who joined within the last ``POLICY_JOINER_DAYS`` and were never asked to
    acknowledge the version in force of a policy whose audience they are in get it, in that policy's
    joiners' campaign of the day. Catches those the listener could not (a team or a role given after the
    account was created). Returns how many were assigned."""
    since = now - timedelta(days=settings.POLICY_JOINER_DAYS)
    assigned = 0
    for policy, version_id in _policies_in_force(timezone.localdate(now)):
        version = PolicyVersion(pk=version_id, policy=policy)
        joiners = _joiners(policy, version, since)
        if not joiners.exists():
            continue
        with transaction.atomic():
            version = PolicyVersion.objects.get(pk=version_id)
            assigned += _give_joiners(policy, version, joiners, now)
    return assigned


@transaction.atomic
def on_person_joined(*, user, actor=None) -> int:
    """Joiner listener (``dpms.portal``): a person just created gets the policies that apply to them at
    once, each in its joiners' campaign of the day. Returns how many assignments they got."""
    now = timezone.now()
    since = now - timedelta(days=settings.POLICY_JOINER_DAYS)
    if not user.is_active or user.date_joined < since:
        return 0
    assigned = 0
    for policy, version_id in _policies_in_force(timezone.localdate(now)):
        version = PolicyVersion(pk=version_id, policy=policy)
        person = _joiners(policy, version, since).filter(pk=user.pk)
        if person.exists():
            version = PolicyVersion.objects.get(pk=version_id)
            assigned += _give_joiners(policy, version, person, now, actor=actor)
    return assigned


# --- Leavers ---------------------------------------------------------------------------------------------
@transaction.atomic
def on_person_left(*, user, actor=None) -> int:
    """Leaver listener (``dpms.portal``): a person deactivated is excused from the acknowledgements they
    still owed (recorded in the audit trail), and their reminders are withdrawn. Returns how many."""
    pending = Assignment.objects.select_for_update().filter(person=user, status=AssignmentStatus.PENDING)
    rows = list(pending.values_list("pk", "campaign_id"))
    if not rows:
        return 0
    Assignment.objects.filter(pk__in=[pk for pk, _c in rows], status=AssignmentStatus.PENDING).update(
        status=AssignmentStatus.EXCUSED
    )
    audit.record(
        action="policy.assignment.excuse",
        actor=actor,
        obj=user,
        changes={
            "assignments": [pk for pk, _c in rows],
            "status": [AssignmentStatus.PENDING, AssignmentStatus.EXCUSED],
            "reason": "left",
        },
    )
    for campaign_id in {campaign_id for _pk, campaign_id in rows}:
        notify.withdraw(f"policies.policycampaign:{campaign_id}", recipients=[user])
    return len(rows)


# --- Reminders -------------------------------------------------------------------------------------------
def _days_left(days: int) -> str:
    return ngettext("%(days)d day left", "%(days)d days left", days) % {"days": days}


# Written when the digest is, in each recipient's language (ngettext_lazy's "%" would translate at once).
_days_left_lazy = lazy(_days_left, str)


def step_label(step: shared.ReminderStep):
    """How a reminder's subject names its step."""
    if step.kind == shared.LAUNCH:
        return gettext_lazy("please acknowledge")
    if step.kind == shared.HALF_TIME:
        return gettext_lazy("half of the time has passed")
    if step.kind == shared.BEFORE_DUE:
        return _days_left_lazy(step.days)
    return gettext_lazy("overdue")


def _owed_digests(recipients: list[int]) -> list[Digest]:
    """Each of ``recipients``' digest: every policy they still owe in an open campaign, soonest due first
    (one query for the lines, one for the people)."""
    rows = (
        Assignment.objects.filter(
            person_id__in=recipients, status=AssignmentStatus.PENDING, campaign__status=CampaignStatus.OPEN
        )
        .order_by("person_id", "campaign__due_at", "pk")
        .values_list("person_id", "campaign__policy__title", "campaign__version__number", "campaign__due_at")
    )
    owed: dict[int, list[tuple[str, int, datetime.datetime]]] = {}
    for person_id, title, number, due in rows:
        owed.setdefault(person_id, []).append((title, number, due))
    people = User.objects.filter(pk__in=owed).only("email", "is_active", "time_zone", "language").in_bulk()
    return [
        Digest(
            recipient=people[person_id],
            texts=[
                format_lazy(
                    gettext_lazy("{title} (version {number}), due {due}"),
                    title=title,
                    number=number,
                    due=notify.local_time(due, people[person_id]),
                )
                for title, number, due in lines
            ],
            total=len(lines),
            link=MINE_LINK,
        )
        for person_id, lines in owed.items()
    ]


def _lock_open(campaign_id: int) -> PolicyCampaign | None:
    """The open campaign, locked; None when another worker holds it (it is doing this step) or it closed."""
    return (
        PolicyCampaign.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(pk=campaign_id, status=CampaignStatus.OPEN)
        .select_related("policy", "version")
        .first()
    )


def send_due_reminders(*, now: datetime.datetime) -> int:
    """Tick step: the latest due reminder step of every open campaign, one digest per person with something
    pending in it (``policy-reminder:<campaign>:<step>``), listing every policy they owe. A step is sent once
    however often the tick runs; after downtime only the latest step is sent. Returns how many were new."""
    sent = 0
    open_ids = PolicyCampaign.objects.filter(status=CampaignStatus.OPEN).order_by("pk")
    for campaign_id in open_ids.values_list("pk", flat=True):
        with transaction.atomic():
            campaign = _lock_open(campaign_id)
            if campaign is None:
                continue
            step = shared.latest_due_step(
                campaign.launched_at, campaign.due_at, schedule(campaign.policy), now
            )
            if step is None:
                continue
            prefix = f"policy-reminder:{campaign.pk}:{step.key}"
            recipients = notify.claim_digest_recipients(
                pending_assignments(campaign), person_field="person_id", dedup_prefix=prefix
            )
            if not recipients:
                continue
            sent += notify.digest_each(
                _owed_digests(recipients),
                subject=format_lazy(
                    gettext_lazy("Policy “{title}”: {step}"),
                    title=campaign.policy.title,
                    step=step_label(step),
                ),
                intro=gettext_lazy(
                    "Please read these policies and acknowledge them (answering their questions) under "
                    "“My policies”."
                ),
                dedup_prefix=prefix,
                more_link=MINE_LINK,
                topic=campaign,  # closing it, or acknowledging, withdraws the reminders
            )
    return sent


# --- Escalation ------------------------------------------------------------------------------------------
def escalate_overdue(*, now: datetime.datetime) -> int:
    """Tick step: people still pending ``escalate_after_overdue_days`` after the due date are escalated to
    their manager (level 1: one digest per manager listing their overdue reports), another period later to
    the security officers (level 2: one notice each). Each level happens once per assignment; after downtime
    past both an assignment goes straight to level 2; a person without an active manager goes to level 2 when
    level 1 is due. Returns how many assignments moved."""
    moved = 0
    due = PolicyCampaign.objects.filter(status=CampaignStatus.OPEN, due_at__lte=now).order_by("pk")
    for campaign_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            campaign = _lock_open(campaign_id)
            if campaign is None:
                continue
            level = shared.escalation_level_due(
                campaign.due_at, campaign.policy.escalate_after_overdue_days, now
            )
            if level >= shared.TO_MANAGER:
                moved += _escalate(campaign, level)
    return moved


def _escalate(campaign: PolicyCampaign, level: int) -> int:
    # skip_locked: an assignment locked by its person acknowledging right now is left for the next tick.
    waiting = pending_assignments(campaign).filter(escalation_level__lt=level)
    locked = list(
        waiting.select_for_update(skip_locked=True, of=("self",)).values_list(
            "pk", "escalation_level", "person__manager_id", "person__manager__is_active"
        )
    )
    to_manager = [
        pk
        for pk, was, manager_id, active in locked
        if level == shared.TO_MANAGER and was == shared.NOT_ESCALATED and manager_id is not None and active
    ]
    managed = set(to_manager)
    to_officers = [pk for pk, _was, _m, _a in locked if pk not in managed]
    count = 0
    if to_manager:
        manager = User.objects.filter(pk=OuterRef("person_id")).values("manager_id")[:1]
        # Conditional: only assignments still pending and not escalated (each level happens once).
        done = Assignment.objects.filter(
            pk__in=to_manager, status=AssignmentStatus.PENDING, escalation_level=shared.NOT_ESCALATED
        ).update(escalation_level=shared.TO_MANAGER, escalated_to=Subquery(manager))
        if done:
            count += done
            audit.record(
                action="policy.assignment.escalate",
                obj=campaign,
                changes={"escalation_level": [0, 1], "escalated_to": "managers", "assignments": to_manager},
            )
            _tell_managers(campaign, to_manager)
    if to_officers:
        levels = sorted({was for pk, was, _m, _a in locked if pk not in managed})
        before: int | list[int] = levels[0] if len(levels) == 1 else levels
        done = Assignment.objects.filter(
            pk__in=to_officers, status=AssignmentStatus.PENDING, escalation_level__lt=shared.TO_OFFICERS
        ).update(escalation_level=shared.TO_OFFICERS, escalated_to=None)
        if done:
            count += done
            audit.record(
                action="policy.assignment.escalate",
                obj=campaign,
                changes={
                    "escalation_level": [before, 2],
                    "escalated_to": "security officers",
                    "assignments": to_officers,
                },
            )
            _tell_officers(campaign, done)
    return count


def _tell_managers(campaign: PolicyCampaign, assignment_ids: list[int]) -> None:
    """One digest per manager: their reports who have not acknowledged the policy in time."""
    rows = Assignment.objects.filter(pk__in=assignment_ids).select_related("escalated_to")
    notify.digest(
        items=[
            DigestItem(recipient=row.escalated_to, text=row.person_label)
            for row in rows
            if row.escalated_to is not None and row.escalated_to.is_active
        ],
        subject=format_lazy(
            gettext_lazy("Overdue: your reports have not acknowledged “{title}”"), title=campaign.policy.title
        ),
        intro=format_lazy(
            gettext_lazy(
                "These people have not read and acknowledged the policy “{title}” (version {number}) in "
                "time. Please remind them; they acknowledge it under “My policies”."
            ),
            title=campaign.policy.title,
            number=campaign.version.number,
        ),
        dedup_prefix=f"policy-escalation:{campaign.pk}:L1",
        topic=campaign,
    )


def _tell_officers(campaign: PolicyCampaign, count: int) -> None:
    """One notice to each security officer: how many people are still overdue after their managers heard."""
    notify.notify_each_once(
        User.objects.security_officers(),
        subject=format_lazy(
            ngettext_lazy(
                "Escalated: {count} person has not acknowledged “{title}”",
                "Escalated: {count} people have not acknowledged “{title}”",
                count,
            ),
            count=count,
            title=campaign.policy.title,
        ),
        body=lambda officer: (
            _(
                "The campaign “%(name)s” was due on %(due)s and is still waiting for them; their managers "
                "were told first. Its page lists who is overdue."
            )
            % {"name": campaign.name, "due": notify.local_time(campaign.due_at, officer)}
        ),
        link=f"/policies/campaigns/{campaign.pk}/pending/",  # who has not acknowledged
        dedup_key=f"policy-escalation:{campaign.pk}:L2",
        topic=campaign,
    )


# --- Close -----------------------------------------------------------------------------------------------
BASE_COLUMNS = (
    "assignment_id",
    "person_id",
    "person",
    "team",
    "manager",
    "status",
    "version",
    "acknowledged_at",
    "done_at",
    "escalation_level",
    "follow_up_status",
)


def evidence_columns(questions: Sequence[AttestationQuestion]) -> list[str]:
    """The evidence's columns: the fixed ones, then each question's answer and explanation (``q1_answer``,
    ``q1_explanation`` ...; the manifest names the questions)."""
    columns = list(BASE_COLUMNS)
    for number, _question in enumerate(questions, start=1):
        columns += [f"q{number}_answer", f"q{number}_explanation"]
    return columns


def _answer_cells(answer, question: AttestationQuestion) -> list[str]:
    if answer is None:
        return ["", ""]
    if question.kind == QuestionKind.YES_NO:
        value = "" if answer.yes is None else ("yes" if answer.yes else "no")
        return [value, answer.explanation]
    if question.kind == QuestionKind.FILE:
        return [f"{answer.file_name} sha256:{answer.file_sha256}" if answer.file_name else "", ""]
    return [answer.text, ""]


def _evidence_rows(campaign: PolicyCampaign, questions: Sequence[AttestationQuestion], number: int):
    for row in evidence_assignments(campaign).iterator(chunk_size=BATCH_SIZE):
        answers = {answer.question_id: answer for answer in row.answers.all()}
        # Annotated by evidence_assignments: read with getattr, the model has no such fields.
        acknowledged_at = getattr(row, "acknowledged_at", None)
        if getattr(row, "open_follow_up", False):
            follow_up = "open"
        else:
            follow_up = "resolved" if getattr(row, "any_follow_up", False) else ""
        cells: list[Any] = [
            row.pk,
            row.person_id,
            row.person_label,
            row.team_name,
            person_label(row.manager) if row.manager else "",
            row.status,
            number,
            shared.iso(acknowledged_at),
            shared.iso(row.done_at),
            row.escalation_level,
            follow_up,
        ]
        for question in questions:
            cells += _answer_cells(answers.get(question.pk), question)
        yield cells


def evidence_filename(campaign: PolicyCampaign) -> str:
    return f"policy-campaign-{campaign.pk}-evidence.csv"


def _close(campaign: PolicyCampaign, actor, now: datetime.datetime) -> PolicyCampaign:
    """Close the locked ``campaign``: pending → no response, evidence and manifest frozen, audited."""
    status_before = campaign.status
    no_response = pending_assignments(campaign).update(status=AssignmentStatus.NO_RESPONSE)
    questions = list(campaign_questions(campaign))
    columns = evidence_columns(questions)
    written = shared.store_evidence_csv(
        chunk_model=PolicyEvidenceChunk,
        campaign=campaign,
        columns=columns,
        rows=_evidence_rows(campaign, questions, campaign.version.number),
    )
    counts = status_counts(campaign)
    campaign.status = CampaignStatus.CLOSED
    campaign.closed_at = now
    campaign.closed_by = actor
    campaign.evidence_sha256 = written.sha256
    campaign.evidence_generated_at = now
    campaign.evidence_manifest = shared.evidence_manifest(
        file_name=evidence_filename(campaign),
        file_sha256=written.sha256,
        row_count=written.rows,
        population_count=campaign.population_count,
        population_sha256=campaign.population_sha256,
        population_lines="person_id,person",
        generated_at=now,
        columns=columns,
        campaign={
            "id": campaign.pk,
            "name": campaign.name,
            "kind": campaign.kind,
            "period": campaign.period_key,
            "policy": campaign.policy.title,
            "version": campaign.version.number,
            "version_sha256": campaign.version.body_sha256,
            "launched_at": shared.iso(campaign.launched_at),
            "due_at": shared.iso(campaign.due_at),
        },
        closed_at=shared.iso(now),
        closed_by=person_label(actor) if actor else "",
        questions=[
            {"number": n, "text": q.text, "kind": q.kind, "required": q.required}
            for n, q in enumerate(questions, start=1)
        ],
        statuses=counts,
    )
    campaign.save(
        update_fields=[
            "status",
            "closed_at",
            "closed_by",
            "evidence_sha256",
            "evidence_generated_at",
            "evidence_manifest",
        ]
    )
    audit.record(
        action="policy.campaign.close",
        actor=actor,
        obj=campaign,
        changes={
            "status": [status_before, CampaignStatus.CLOSED],
            "no_response": no_response,
            "statuses": counts,
            "file_sha256": written.sha256,
            "rows": written.rows,
            "population_count": campaign.population_count,
            "population_sha256": campaign.population_sha256,
        },
    )
    notify.withdraw(campaign)  # its reminders and escalations are owed no more
    return campaign


def campaign_close(
    *, actor, campaign: PolicyCampaign, now: datetime.datetime | None = None
) -> PolicyCampaign:
    """A security officer closes ``campaign`` now. A large one is marked "closing" and closed by a Celery
    task (the campaign's page shows it closing); the rest close at once. Returns the campaign."""
    if actor is None or not may_close_campaigns(actor):
        raise ValidationError(_("Only a security officer closes a campaign."))
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the campaign: the tick and an officer (or two officers) must not both close it.
        locked = (
            PolicyCampaign.objects.select_for_update(of=("self",))
            .select_related("policy", "version")
            .get(pk=campaign.pk)
        )
        if locked.status == CampaignStatus.CLOSED:
            raise ValidationError(_("This campaign is closed already."))
        if locked.status == CampaignStatus.CLOSING:
            raise ValidationError(_("This campaign is being closed already."))
        if locked.status != CampaignStatus.OPEN:
            raise ValidationError(_("This campaign is still launching; close it once it is open."))
        if locked.population_count <= BACKGROUND_CLOSE_OVER:
            return _close(locked, actor, now)
        locked.status = CampaignStatus.CLOSING
        locked.closed_by = actor
        locked.save(update_fields=["status", "closed_by"])
        audit.record(
            action="policy.campaign.close_started",
            actor=actor,
            obj=locked,
            changes={"status": [CampaignStatus.OPEN, CampaignStatus.CLOSING]},
        )
        campaign_id = locked.pk
        transaction.on_commit(lambda: enqueue(CLOSE_TASK, [campaign_id]))
        return locked


def campaign_close_finish(*, campaign_id: int, now: datetime.datetime | None = None) -> bool:
    """The close task's work: close a campaign marked "closing", for the officer who asked. True when it
    closed; False when it was not closing (closed already) or another worker has it."""
    with transaction.atomic():
        campaign = (
            PolicyCampaign.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("policy", "version", "closed_by")
            .filter(pk=campaign_id, status=CampaignStatus.CLOSING)
            .first()
        )
        if campaign is None:
            return False
        _close(campaign, campaign.closed_by, now or timezone.now())
        return True


def _closable(now: datetime.datetime) -> Q:
    due = Q(closes_at__lte=now) | Q(closes_at__isnull=True, due_at__lte=now)
    # A close an officer asked for whose task was lost (broker down, worker killed) is finished here too.
    return Q(due, status=CampaignStatus.OPEN) | Q(status=CampaignStatus.CLOSING)


def close_due_campaigns(*, now: datetime.datetime) -> int:
    """Tick step: close the open campaigns whose close date has passed, and finish closes an officer asked
    for whose task did not run. One that cannot close is logged and retried next tick. Returns how many."""
    closed = 0
    for campaign_id in list(PolicyCampaign.objects.filter(_closable(now)).values_list("pk", flat=True)):
        try:
            with transaction.atomic():
                # skip_locked: a worker closing it right now (the close task) has it.
                campaign = (
                    PolicyCampaign.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("policy", "version", "closed_by")
                    .filter(_closable(now), pk=campaign_id)
                    .first()
                )
                if campaign is None:
                    continue
                actor = campaign.closed_by if campaign.status == CampaignStatus.CLOSING else None
                _close(campaign, actor, now)
                closed += 1
        except Exception:
            log.exception("Could not close policy campaign %s", campaign_id)
    return closed


# --- Evidence downloads ----------------------------------------------------------------------------------
def evidence_stream(campaign: PolicyCampaign) -> Iterable[bytes]:
    """The closed campaign's evidence CSV, byte for byte as hashed at close, a chunk at a time."""
    return shared.evidence_stream(PolicyEvidenceChunk, campaign)


def evidence_bytes(campaign: PolicyCampaign) -> bytes:
    """The whole evidence file (tests and small files; downloads stream it)."""
    return shared.evidence_bytes(PolicyEvidenceChunk, campaign)


def manifest_bytes(campaign: PolicyCampaign) -> bytes:
    """The manifest frozen at close, as the JSON file people download."""
    return shared.manifest_bytes(campaign.evidence_manifest or {})
