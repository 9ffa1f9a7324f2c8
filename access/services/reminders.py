"""Reminders and escalation of open review campaigns (tick steps).

Reminder steps come from the campaign's policy: at launch, at half time, N days before due, then daily while
overdue. One digest per reviewer per step lists all their pending items; the de-duplication key
(campaign, step, reviewer) makes a repeated or concurrent tick a no-op.

Catch-up after downtime: each tick sends only the **latest** step whose time has passed. When the tick was
down through several steps (say launch and half time), reviewers get one digest for the latest one, not a
burst of stale reminders; a step already sent is never sent again.

Overdue: an item is overdue once its campaign's due date passed while the campaign is still open (for example
while its close waits for a security officer's confirmation, or before the close step reached it).
"""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Window
from django.db.models.functions import RowNumber
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.choices import CampaignStatus, Decision
from access.models import ReviewCampaign, ReviewItem
from dpms import audit
from dpms import campaigns as campaign_steps
from dpms.campaigns import ReminderStep, Schedule
from dpms.models import User
from dpms.notify import (
    DIGEST_MAX_ITEMS,
    Digest,
    DigestItem,
    claim_digest_recipients,
    digest,
    digest_each,
    local_time,
    notify_each_once,
)

QUEUE_LINK = "/access/reviews/"
# Campaigns without a policy (ad hoc, mover): remind at launch, 1 day before due, daily when overdue.
DEFAULT_DAYS_BEFORE_DUE = (1,)
DEFAULT_ESCALATE_AFTER_DAYS = 3


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


def _pending(campaign: ReviewCampaign):
    return ReviewItem.objects.filter(campaign=campaign, decision=Decision.PENDING)


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
            _pending(campaign)
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
    people = User.objects.filter(pk__in=texts).only("email", "is_active", "time_zone", "language").in_bulk()
    return [
        Digest(recipient=people[person_id], texts=lines, total=totals[person_id], link=QUEUE_LINK)
        for person_id, lines in texts.items()
    ]


def send_due_reminders(*, now: datetime) -> int:
    """Tick step: the latest due reminder step of every open campaign, one digest per reviewer with pending
    items. Returns how many digests were new.

    The reviewers not told yet of this step are claimed first (``claim_digest_recipients``) and only their
    items are read: a tick with nothing new to send costs a few queries per campaign, whatever its size."""
    sent = 0
    for campaign_id in ReviewCampaign.objects.filter(status=CampaignStatus.OPEN).values_list("pk", flat=True):
        with transaction.atomic():
            # skip_locked: another worker reminding this campaign right now has it; the keys stop doubles.
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
            prefix = f"access-reminder:{campaign.pk}:{step.key}"
            recipients = claim_digest_recipients(
                _pending(campaign), person_field=("reviewer_id", "escalated_to_id"), dedup_prefix=prefix
            )
            if not recipients:
                continue
            sent += digest_each(
                _pending_digests(campaign, recipients),
                subject=format_lazy(
                    gettext_lazy("Access review “{name}”: {step}"), name=campaign.name, step=step_label(step)
                ),
                intro=_review_by(campaign.due_at),  # the deadline in each reviewer's time zone
                dedup_prefix=prefix,
                more_link=QUEUE_LINK,
                topic=campaign,  # closing it, or deciding all one's items, withdraws the reminders
            )
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
