"""Reminders and escalation of open review campaigns (tick steps).

Reminder steps come from the campaign's policy: at launch, at half time, N days before due, then daily while
overdue. One digest per reviewer per step lists all their pending items; the de-duplication key
(campaign, step, reviewer) makes a repeated or concurrent tick a no-op.

The tick decides who is due and claims them (``ReminderClaim`` rows); workers write the digests, a batch of
reviewers per task (``send_claimed_reminders``). A claim whose task was lost is handed out again by a later
tick, so nobody is missed; the key and the claim's lock make a batch that runs twice send nothing twice.

Catch-up after downtime: each tick sends only the **latest** step whose time has passed. When the tick was
down through several steps (say launch and half time), reviewers get one digest for the latest one, not a
burst of stale reminders; a step already sent is never sent again.

Overdue: an item is overdue once its campaign's due date passed while the campaign is still open (for example
while its close waits for a security officer's confirmation, or before the close step reached it).
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, CharField, Count, DateTimeField, F, Value, Window
from django.db.models.functions import RowNumber
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.choices import CampaignStatus, Decision
from access.models import ReminderClaim, ReviewCampaign, ReviewItem
from access.queries.reminders import pending_items, reviewers_to_claim
from dpms import audit
from dpms import campaigns as campaign_steps
from dpms.campaigns import ReminderStep, Schedule
from dpms.enqueue import enqueue
from dpms.models import User
from dpms.notify import (
    DIGEST_MAX_ITEMS,
    Digest,
    DigestItem,
    digest,
    digest_each,
    local_time,
    notify_each_once,
)

QUEUE_LINK = "/access/reviews/"
# Campaigns without a policy (ad hoc, mover): remind at launch, 1 day before due, daily when overdue.
DEFAULT_DAYS_BEFORE_DUE = (1,)
DEFAULT_ESCALATE_AFTER_DAYS = 3

SEND_TASK = "access.tasks.send_reminders"
# Reviewers per send task: about a third of a second of a worker's time at scale (their first items, their
# digests written in one COPY; 0.31-0.35 s measured on 100,000 items), far from the task's time limit; the
# 1,000 reviewers of such a campaign go to two workers at once.
CLAIM_BATCH = 500
# A claim still held this long after its tick lost its task (twice the task time limit, as a stalled launch).
CLAIM_STALE_AFTER = timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)


def schedule(campaign: ReviewCampaign) -> Schedule:
    """The campaign's reminder and escalation schedule: its policy's, or the defaults for campaigns without
    one (ad hoc, mover)."""
    policy = campaign.policy
    if policy is None:
        return Schedule(
            remind_at_launch=True,
            remind_at_half_time=False,
            days_before_due=DEFAULT_DAYS_BEFORE_DUE,
            daily_when_overdue=True,
            escalate_after_days=DEFAULT_ESCALATE_AFTER_DAYS,
        )
    return Schedule(
        remind_at_launch=policy.remind_at_launch,
        remind_at_half_time=policy.remind_at_half_time,
        days_before_due=tuple(policy.reminder_days_before_due or ()),
        daily_when_overdue=policy.remind_daily_when_overdue,
        escalate_after_days=policy.escalate_after_overdue_days,
    )


def _step_text(step: ReminderStep) -> str:
    if step.kind == campaign_steps.LAUNCH:
        return _("The review has started")
    if step.kind == campaign_steps.HALF_TIME:
        return _("Half of the review time has passed")
    if step.kind == campaign_steps.BEFORE_DUE:
        return ngettext("%(count)d day left", "%(count)d days left", step.days) % {"count": step.days}
    return _("The review is overdue")


def step_label(step: ReminderStep) -> str:
    """How a reminder's subject names its step, written out when the subject is: in its reader's language."""
    return lazy(_step_text, str)(step)


def latest_due_step(campaign: ReviewCampaign, now: datetime) -> ReminderStep | None:
    """The step to send now: the latest whose time has passed (earlier missed steps are not sent)."""
    return campaign_steps.latest_due_step(campaign.launched_at, campaign.due_at, schedule(campaign), now)


# The order a digest lists a person's items in (and the window picks the first of).
DIGEST_ORDER = ("holder_label", "system_name", "role_name", "pk")


def _pending_digests(campaign: ReviewCampaign, recipients: list[int]) -> list[Digest]:
    """The digests of ``recipients`` (those claimed for this step): each person's pending items as reviewer,
    then those escalated to them. One query for each of the two: a window picks each person's first
    ``DIGEST_MAX_ITEMS`` and another counts them all, so a reviewer of thousands of items costs a page of
    rows. Read as columns, not model instances: a large campaign's first tick reads tens of thousands."""
    wanted = set(recipients)
    texts: dict[int, list[str]] = {}
    totals: dict[int, int] = {}
    for field in ("reviewer_id", "escalated_to_id"):
        rows = (
            pending_items(campaign)
            .filter(**{f"{field}__in": wanted})
            .annotate(
                total=Window(Count("pk"), partition_by=[F(field)]),
                rank=Window(
                    RowNumber(), partition_by=[F(field)], order_by=[F(name).asc() for name in DIGEST_ORDER]
                ),
            )
            .filter(rank__lte=DIGEST_MAX_ITEMS)
            .order_by(field, *DIGEST_ORDER)
            .values_list(field, "total", "holder_label", "system_name", "role_name")
        )
        person, mine = None, []
        for person_id, total, holder, system, role in rows:  # by person, in digest order
            if person_id != person:
                person, mine = person_id, texts.setdefault(person_id, [])
                totals[person_id] = totals.get(person_id, 0) + total
            mine.append(f"{holder}: {system} · {role}")
    # Someone deactivated since the tick claimed them is no longer reminded.
    people = (
        User.objects.filter(pk__in=texts, is_active=True)
        .only("email", "is_active", "time_zone", "language")
        .in_bulk()
    )
    return [
        Digest(recipient=people[person_id], texts=lines, total=totals[person_id], link=QUEUE_LINK)
        for person_id, lines in texts.items()
        if person_id in people
    ]


def send_due_reminders(*, now: datetime) -> int:
    """Tick step: the latest due reminder step of every open campaign, one digest per reviewer with pending
    items. Returns how many reviewers were handed to the workers.

    The tick only decides who is due and claims them: the reviewers not told of this step yet and not held by
    a worker are written down as ``ReminderClaim`` rows and handed out ``CLAIM_BATCH`` to a task, after
    commit. The worker reads their items and writes their digests (``send_claimed_reminders``), each in its
    reader's language. A tick with nothing new to send costs three queries per campaign, whatever its size.

    A claim whose task was lost (broker down, worker killed) is still there ``CLAIM_STALE_AFTER`` later: the
    next tick hands it out again. A batch that runs twice is harmless: its claims are locked and deleted with
    the digests, and the occasion's key refuses a second digest."""
    handed = 0
    for campaign_id in ReviewCampaign.objects.filter(status=CampaignStatus.OPEN).values_list("pk", flat=True):
        with transaction.atomic():
            # skip_locked: another tick reminding this campaign right now has it. Holding the campaign makes
            # the claim below the only one for this campaign: no two ticks claim the same reviewer.
            campaign = (
                ReviewCampaign.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=campaign_id, status=CampaignStatus.OPEN)
                .select_related("policy")
                .first()
            )
            if campaign is None:
                continue
            step = latest_due_step(campaign, now)
            if step is None:
                continue
            recipients = _claim(campaign, step, now)
            if not recipients:
                continue
            # Only the latest step is ever sent: claims of earlier steps are void (their tasks find none).
            ReminderClaim.objects.filter(campaign=campaign).exclude(step=step.key).delete()
            batches = [recipients[i : i + CLAIM_BATCH] for i in range(0, len(recipients), CLAIM_BATCH)]
            transaction.on_commit(partial(_hand_out, campaign.pk, now, batches))
            handed += len(recipients)
    return handed


def _claim(campaign: ReviewCampaign, step: ReminderStep, now: datetime) -> list[int]:
    """Claim the reviewers due ``step`` (``reviewers_to_claim``) at ``now``: their ids, in order. One
    statement, INSERT … SELECT: the ids never travel to this process and back (a thousand ``ReminderClaim``
    objects and their parameters cost the tick more than finding them). A stale claim is taken again."""
    due = reviewers_to_claim(
        campaign, step=step.key, dedup_prefix=_prefix(campaign, step), stale_before=now - CLAIM_STALE_AFTER
    ).values_list(
        Value(campaign.pk, output_field=BigIntegerField()),
        Value(step.key, output_field=CharField()),
        "pk",
        Value(now, output_field=DateTimeField()),
    )
    select, params = due.query.sql_with_params()
    table = connection.ops.quote_name(ReminderClaim._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (campaign_id, step, recipient_id, claimed_at) {select} "
            "ON CONFLICT (campaign_id, step, recipient_id) DO UPDATE SET claimed_at = excluded.claimed_at "
            "RETURNING recipient_id",
            params,
        )
        return sorted(person for (person,) in cursor.fetchall())


def _prefix(campaign: ReviewCampaign, step: ReminderStep) -> str:
    return f"access-reminder:{campaign.pk}:{step.key}"


def _hand_out(campaign_id: int, now: datetime, batches: list[list[int]]) -> None:
    """After commit: one task per batch, one attempt each (``dpms.enqueue``). A batch the broker did not take
    has its claims released (dated stale), so the next tick hands it out again, not ``CLAIM_STALE_AFTER``
    later; should that update fail too, the claims go stale by themselves."""
    for batch in batches:
        if not enqueue(SEND_TASK, [campaign_id, now.isoformat(), batch]):
            ReminderClaim.objects.filter(campaign_id=campaign_id, recipient_id__in=batch).update(
                claimed_at=now - CLAIM_STALE_AFTER - timedelta(seconds=1)
            )


def send_claimed_reminders(*, campaign_id: int, now: datetime, recipient_ids: list[int]) -> int:
    """Worker: write the digests of the reviewers a tick at ``now`` claimed (``send_due_reminders``), for the
    step that was due then. Returns how many digests were new.

    Idempotent: the claims are locked (``skip_locked``: the same batch running twice at once leaves them to
    the first) and deleted with the digests in one transaction, so a batch run again finds nothing to do, and
    the occasion's key refuses a second digest anyway. Claims of a closed campaign, of a step no longer the
    latest, or of people with nothing left to review are dropped without a digest."""
    with transaction.atomic():
        campaign = ReviewCampaign.objects.filter(pk=campaign_id).select_related("policy").first()
        if campaign is None:
            return 0
        step = latest_due_step(campaign, now) if campaign.status == CampaignStatus.OPEN else None
        claims = ReminderClaim.objects.filter(campaign=campaign, recipient_id__in=recipient_ids)
        if step is None:
            claims.delete()
            return 0
        mine = list(
            claims.filter(step=step.key)
            .select_for_update(skip_locked=True)
            .order_by("recipient_id")
            .values_list("recipient_id", flat=True)
        )
        if not mine:
            return 0
        prefix = _prefix(campaign, step)
        sent = digest_each(
            _pending_digests(campaign, mine),
            subject=format_lazy(
                gettext_lazy("Access review “{name}”: {step}"), name=campaign.name, step=step_label(step)
            ),
            intro=_review_by(campaign.due_at),  # the deadline in each reviewer's time zone
            dedup_prefix=prefix,
            more_link=QUEUE_LINK,
            topic=campaign,  # closing it, or deciding all one's items, withdraws the reminders
        )
        ReminderClaim.objects.filter(campaign=campaign, step=step.key, recipient_id__in=mine).delete()
    return sent


def _review_by(due: datetime) -> Callable[[Any], str]:
    def intro(person) -> str:
        return _("Please review these access rights by %(due)s in your review queue.") % {
            "due": local_time(due, person)
        }

    return intro


def escalation_days(campaign: ReviewCampaign) -> int:
    """Days overdue per escalation level; 0 turns escalation off."""
    return schedule(campaign).escalate_after_days


def _target_level(campaign: ReviewCampaign, now: datetime) -> int:
    return campaign_steps.escalation_level_due(campaign.due_at, escalation_days(campaign), now)


def _manager_for(item: ReviewItem):
    """Level 1 goes to the reviewer's active manager, unless that is the holder (no self-review)."""
    manager = item.reviewer.manager
    if manager is None or not manager.is_active or manager.pk == item.holder_id:
        return None
    return manager


def escalate_overdue_items(*, now: datetime) -> int:
    """Tick step: pending items ``escalate_after_overdue_days`` past due go to the reviewer's manager (level
    1; the reviewer can still act), another period later to the security officers (level 2). Each level
    happens once per item; when the tick was down past both, an item goes straight to the level it is due."""
    escalated = 0
    open_campaigns = ReviewCampaign.objects.filter(status=CampaignStatus.OPEN, due_at__lte=now)
    for campaign_id in open_campaigns.values_list("pk", flat=True):
        with transaction.atomic():
            campaign = (
                ReviewCampaign.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=campaign_id, status=CampaignStatus.OPEN)
                .select_related("policy")
                .first()
            )
            if campaign is None:
                continue
            escalated += _escalate_campaign(campaign, _target_level(campaign, now), now)
    return escalated


def _escalate_campaign(campaign: ReviewCampaign, target: int, now: datetime) -> int:
    if target == 0:
        return 0
    # skip_locked: an item locked by a reviewer deciding it right now is left for the next tick.
    items = list(
        ReviewItem.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(campaign=campaign, decision=Decision.PENDING, escalation_level__lt=target)
        .select_related("reviewer__manager")
    )
    moves: dict[tuple[int, int, User | None], list[ReviewItem]] = {}  # (old, new level, new person) -> items
    for item in items:
        manager = _manager_for(item) if item.escalation_level == 0 and target == 1 else None
        new_level = 1 if manager is not None else 2
        moves.setdefault((item.escalation_level, new_level, manager), []).append(item)
    count = 0
    for (old_level, new_level, manager), moved in moves.items():
        ids = [item.pk for item in moved]
        fields: dict[str, int | User] = {"escalation_level": new_level}
        if manager is not None:
            fields["escalated_to"] = manager
        # Conditional update: only items still pending at the old level (each level happens once).
        done = ReviewItem.objects.filter(
            pk__in=ids, decision=Decision.PENDING, escalation_level=old_level
        ).update(**fields)
        if not done:
            continue
        count += done
        audit.record(
            action="access.item.escalate",
            obj=campaign,
            changes={
                "escalation_level": [old_level, new_level],
                "escalated_to": manager.email if manager else "security officers",
                "items": ids,
            },
        )
        _tell(campaign, moved, new_level, manager, now)
    return count


def _tell(campaign: ReviewCampaign, moved: list[ReviewItem], level: int, manager, now: datetime) -> None:
    """Tell the reviewers their items moved, and the new people that they now have them."""
    to_whom = manager.full_name if manager else ""
    prefix = f"access-escalation:{campaign.pk}:L{level}:{now:%Y-%m-%d}"
    digest(
        items=[
            DigestItem(
                recipient=item.reviewer,
                text=f"{item.holder_label}: {item.system_name} · {item.role_name}",
                link=QUEUE_LINK,
            )
            for item in moved
            if item.reviewer.is_active
        ],
        subject=(
            format_lazy(
                gettext_lazy("Overdue access review “{name}” escalated to {person}"),
                name=campaign.name,
                person=to_whom,
            )
            if manager
            else format_lazy(
                gettext_lazy("Overdue access review “{name}” escalated to the security officers"),
                name=campaign.name,
            )
        ),
        intro=(
            format_lazy(
                gettext_lazy(
                    "These items are overdue and were escalated to {person}. You can still decide them."
                ),
                person=to_whom,
            )
            if manager
            else gettext_lazy(
                "These items are overdue and were escalated to the security officers. "
                "You can still decide them."
            )
        ),
        dedup_prefix=f"{prefix}:reviewer",
        topic=campaign,
    )
    notify_each_once(
        [manager] if manager is not None else User.objects.security_officers(),
        subject=lambda person: (
            ngettext(
                "Escalated to you: %(count)d overdue item of access review “%(name)s”",
                "Escalated to you: %(count)d overdue items of access review “%(name)s”",
                len(moved),
            )
            % {"count": len(moved), "name": campaign.name}
        ),
        body=gettext_lazy(
            "The reviewers did not decide these items in time; please review them in your queue."
        ),
        link=QUEUE_LINK,
        dedup_key=f"{prefix}:escalated",
        topic=campaign,
    )
