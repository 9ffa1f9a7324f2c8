"""Launching campaigns: the tick launches what is due, a security officer launches one at any time; the
population is written as review items in batches by a Celery task, never inside a web request.

The population is fixed at launch: the grants in scope that were granted at or before ``launched_at`` and
still active then. The task walks them in grant id order, so a run that stops half-way (or runs twice)
carries on where the items end.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.timezone import get_default_timezone
from django.utils.translation import gettext as _

from access.choices import CampaignKind, CampaignStatus
from access.models import Grant, ReviewCampaign, ReviewItem, ReviewPolicy
from access.queries.campaigns import can_manage_campaigns
from access.queries.policies import policy_scope
from access.services.policies import MONTH_ABBREVIATIONS, next_run_after_launch, period_key, period_label
from access.services.routing import recommend, route
from access.services.tallies import tally_recount
from dpms import audit, webhooks
from dpms import campaigns as shared
from dpms.enqueue import enqueue
from dpms.models import User, WebhookEvent

log = logging.getLogger(__name__)
# Items written per transaction: large enough that a batch's fixed costs (reading where the last one ended,
# the population query, the commit) are small beside its rows, small enough to hold no lock for long.
BATCH_SIZE = 2000
# A campaign still launching this long after launch lost its task (worker died, broker lost it): re-enqueue.
# Twice the task's hard time limit (10 minutes by default): a launch of 100,000 items takes about half a
# minute, and sending the task to a launch that is still going only makes two runs take turns per batch.
STALLED_AFTER = timedelta(seconds=2 * settings.CELERY_TASK_TIME_LIMIT)
# The task (``access.tasks.populate_campaign``) is sent by name: the tasks module calls this one, not back.
POPULATE_TASK = "access.tasks.populate_campaign"


def _enqueue_population(campaign_id: int) -> None:
    """Runs after commit, once (``dpms.enqueue``): broker down, the tick's stalled-launch sweep sends it."""
    enqueue(POPULATE_TASK, [campaign_id])


def _zone_of(person) -> ZoneInfo | tzinfo:
    """The person's time zone (``User.time_zone``), else the installation's."""
    name = getattr(person, "time_zone", "") or ""
    try:
        return ZoneInfo(name) if name else get_default_timezone()
    except (ZoneInfoNotFoundError, ValueError):
        return get_default_timezone()


def campaign_title(*, policy: ReviewPolicy, key: str, kind: str, now: datetime, actor=None) -> str:
    """A campaign's name as people read it: "Ad hoc review, 2 Dec 2026 · <policy>" (the day in the
    launcher's time zone) or "<policy>, Q4 2026" for the calendar's campaigns."""
    if kind == CampaignKind.AD_HOC:
        day = now.astimezone(_zone_of(actor))
        when = f"{day.day} {MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"
        return f"Ad hoc review, {when} · {policy.name}"[:200]
    return f"{policy.name}, {period_label(key) or key}"[:200]


def _create_campaign(
    *, policy: ReviewPolicy, key: str, kind: str, now: datetime, actor=None
) -> tuple[ReviewCampaign, bool]:
    """The campaign of ``policy`` for period ``key``: created once, whoever asks and however often."""
    try:
        # A savepoint: when a concurrent launch won the race, the unique key refuses us and the outer
        # transaction carries on with the winner's campaign.
        with transaction.atomic():
            campaign, created = ReviewCampaign.objects.get_or_create(
                policy=policy,
                period_key=key,
                defaults={
                    "kind": kind,
                    "name": campaign_title(policy=policy, key=key, kind=kind, now=now, actor=actor),
                    "status": CampaignStatus.LAUNCHING,
                    "launched_by": actor,
                    "launched_at": now,
                    "due_at": now + timedelta(days=policy.duration_days),
                    "closes_at": policy.close_date(now + timedelta(days=policy.duration_days)),
                },
            )
    except IntegrityError:
        return ReviewCampaign.objects.get(policy=policy, period_key=key), False
    if created:
        transaction.on_commit(lambda: _enqueue_population(campaign.pk))
    return campaign, created


def launch_due_campaigns(*, now: datetime) -> int:
    """Tick step: launch the current period's campaign of every enabled policy that is due, once, and
    schedule its next run. Re-enqueues launches whose task was lost. Returns how many it launched."""
    launched = 0
    due_ids = list(
        ReviewPolicy.objects.filter(enabled=True, next_run_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for policy_id in due_ids:
        with transaction.atomic():
            # Two ticks at once: the second skips the row the first holds, then finds next_run_at advanced.
            policy = (
                ReviewPolicy.objects.select_for_update(skip_locked=True)
                .filter(pk=policy_id, enabled=True, next_run_at__lte=now)
                .first()
            )
            if policy is None:
                continue
            key = period_key(policy.cadence, now.astimezone(UTC).date())
            _campaign, created = _create_campaign(
                policy=policy, key=key, kind=CampaignKind.SCHEDULED, now=now
            )
            policy.next_run_at = next_run_after_launch(policy, now=now)
            policy.save(update_fields=["next_run_at"])
            launched += created
    for campaign_id in ReviewCampaign.objects.filter(
        status=CampaignStatus.LAUNCHING, launched_at__lt=now - STALLED_AFTER
    ).values_list("pk", flat=True):
        _enqueue_population(campaign_id)
    return launched


@transaction.atomic
def campaign_launch_now(*, actor, policy: ReviewPolicy, now: datetime | None = None) -> ReviewCampaign:
    """A security officer launches an ad hoc campaign of ``policy`` now, whatever its schedule."""
    if actor is None or not can_manage_campaigns(actor):
        raise ValidationError(_("Only a security officer launches a campaign."))
    now = now or timezone.now()
    # Lock the policy: a double submit must not launch two campaigns side by side.
    policy = ReviewPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.campaigns.filter(status=CampaignStatus.LAUNCHING).exists():
        raise ValidationError(_("A campaign of this policy is still launching: wait until it is open."))
    if not policy.fallback_reviewer.is_active:
        raise ValidationError(_("The fallback reviewer is deactivated: choose another one first."))
    key = f"adhoc-{now:%Y%m%dT%H%M%S%f}"
    campaign, _created = _create_campaign(
        policy=policy, key=key, kind=CampaignKind.AD_HOC, now=now, actor=actor
    )
    return campaign


# --- Population -------------------------------------------------------------------------------------------
def campaign_population(campaign: ReviewCampaign) -> QuerySet[Grant]:
    """The grants the campaign reviews: in scope, granted by launch time and still active at launch (a grant
    revoked after launch stays in: it was held when the campaign took its snapshot). A campaign without a
    policy (a mover review) has no scope to launch from: its items are written when it opens."""
    if campaign.policy is None:
        return Grant.objects.none()
    at = campaign.launched_at
    return policy_scope(campaign.policy).filter(
        Q(revoked_at__isnull=True) | Q(revoked_at__gt=at), granted_at__lte=at
    )


# An item's canonical population line: ``grant_id,user_email,system,role`` (``population_lines``).
POPULATION_FIELDS = ("grant_id", "holder__email", "system_name", "role_name")


def population_lines(rows) -> list[str]:
    """Canonical population lines ``grant_id,user_email,system,role`` from ``(grant_id, email, system, role)``
    rows, sorted as text (what ``LC_ALL=C sort`` gives), the same canonical form mover reviews use."""
    return shared.population_lines(rows)


def population_sha256(rows) -> str:
    """SHA-256 of the canonical population: the sorted lines joined by newlines."""
    return shared.population_sha256(rows)


def person_label(user) -> str:
    """How a review item names a person once and for all: "Full Name <email>" (empty for nobody)."""
    return f"{user.full_name} <{user.email}>" if user is not None else ""


def review_item(
    *, campaign: ReviewCampaign, grant: Grant, reviewer: User, routing_note: str, now: datetime
) -> ReviewItem:
    """An unsaved item with the snapshot of who/what/where a launch takes (grant with user, role__system and
    granted_by selected)."""
    holder, role = grant.user, grant.role
    recommendation, reason = recommend(grant=grant, holder=holder, now=now)
    return ReviewItem(
        campaign=campaign,
        grant=grant,
        holder=holder,
        holder_label=person_label(holder)[:300],
        system=role.system,
        system_name=role.system.name,
        role=role,
        role_name=role.name,
        privileged=role.privileged,
        environment=role.system.environment,
        granted_at=grant.granted_at,
        granted_by_label=person_label(grant.granted_by)[:300],
        grant_justification=grant.justification,
        holder_deactivated=not holder.is_active,
        reviewer=reviewer,
        routing_note=routing_note[:300],
        recommendation=recommendation,
        recommendation_reason=reason[:300],
    )


def _item_for(
    *, campaign: ReviewCampaign, policy: ReviewPolicy, grant: Grant, officer: User | None, now: datetime
) -> ReviewItem:
    reviewer, note = route(policy=policy, grant=grant, holder=grant.user, security_officer=officer)
    return review_item(campaign=campaign, grant=grant, reviewer=reviewer, routing_note=note, now=now)


def campaign_populate_batch(
    *, campaign_id: int, batch_size: int | None = None, now: datetime | None = None
) -> bool:
    """Write the next batch of items of a launching campaign, in one transaction. Returns True when the
    population is complete (and the campaign is open), False when there is more to do."""
    now = now or timezone.now()
    with transaction.atomic():
        # Lock the campaign: two runs of the task (a retry, the stalled-launch sweep) take turns per batch.
        campaign = (
            ReviewCampaign.objects.select_for_update(of=("self",))
            .select_related("policy__fallback_reviewer", "policy__named_reviewer")
            .get(pk=campaign_id)
        )
        policy = campaign.policy
        if campaign.status != CampaignStatus.LAUNCHING or policy is None:
            return True  # done already, or a mover review (its items are written when it is created)
        last_grant_id = campaign.items.aggregate(last=Max("grant_id"))["last"] or 0
        grants = list(
            campaign_population(campaign)
            .filter(pk__gt=last_grant_id)
            .select_related("user__manager", "role__system__owner", "granted_by")
            .order_by("pk")[: batch_size or BATCH_SIZE]
        )
        if not grants:
            _finish(campaign)
            return True
        officer = User.objects.security_officers().first()
        items = [
            _item_for(campaign=campaign, policy=policy, grant=grant, officer=officer, now=now)
            for grant in grants
        ]
        # Security officer routing must not send someone their own access: rare, so route those again.
        for item in items:
            if item.reviewer_id == item.holder_id:
                item.reviewer, item.routing_note = route(policy=policy, grant=item.grant, holder=item.holder)
        ReviewItem.objects.bulk_create(items, ignore_conflicts=True)
        # Progress only (the launch page's bar): _finish counts exactly. Not a count of the items so far,
        # which would read the whole campaign again at every batch.
        campaign.items_created += len(items)
        campaign.save(update_fields=["items_created"])
    return False


def _finish(campaign: ReviewCampaign) -> None:
    """Close the launch: count, hash, open the campaign, and record it in the audit trail. The population's
    lines are written and sorted by the database and hashed as they are read, a chunk at a time: a launch
    of 100,000 items does not hold them in memory."""
    snapshot = shared.population_snapshot_of(campaign.items.all(), POPULATION_FIELDS)
    digest = snapshot.sha256
    campaign.population_count = snapshot.count
    campaign.population_sha256 = digest
    campaign.items_created = snapshot.count
    campaign.status = CampaignStatus.OPEN
    campaign.save(update_fields=["population_count", "population_sha256", "items_created", "status"])
    tally_recount(campaign_id=campaign.pk)
    audit.record(
        action="access.campaign.launch",
        actor=campaign.launched_by,
        obj=campaign,
        changes={
            "policy": campaign.policy.name if campaign.policy else None,
            "period_key": campaign.period_key,
            "kind": campaign.kind,
            "launched_at": campaign.launched_at,
            "due_at": campaign.due_at,
            "population_count": snapshot.count,
            "population_sha256": digest,
        },
    )
    webhooks.emit(
        WebhookEvent.CAMPAIGN_LAUNCHED,
        {
            "campaign": campaign.pk,
            "name": str(campaign),
            "due_at": campaign.due_at.isoformat() if campaign.due_at else None,
            "items": snapshot.count,
            "url": webhooks.absolute_url(reverse("access:campaign_detail", args=[campaign.pk])),
        },
        event_id=f"campaign-launched:{campaign.pk}",
    )


def campaign_populate(
    *, campaign_id: int, batch_size: int | None = None, max_batches: int | None = None
) -> bool:
    """Write the items of a launching campaign, batch by batch (each batch its own transaction), at most
    ``max_batches`` of them. Returns True when the campaign is fully populated."""
    done, batches = False, 0
    while not done and (max_batches is None or batches < max_batches):
        done = campaign_populate_batch(campaign_id=campaign_id, batch_size=batch_size)
        batches += 1
    return done
