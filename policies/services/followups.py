"""Follow-ups of "no" answers: resolving one (the person's manager or a security officer, with a note), and
the tick step that tells the security officers about the follow-ups gone overdue, each once.

A follow-up is opened by the attestation that gave the "no" (``policies.services.attestations``); here it is
closed. The person is told that it was resolved and by whom; the notifications that asked about it are
withdrawn.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections import defaultdict

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from dpms import audit
from dpms.formats import show_date
from dpms.models import User
from dpms.notify import DigestItem, digest, notify, withdraw
from policies.choices import FollowUpStatus
from policies.models import FollowUp
from policies.queries.followups import overdue_follow_ups, require_resolve

RESOLUTION_MAX = 4000
# An overdue follow-up is reported on the days after its due day; a tick down for longer than this does not
# send a digest for every day it missed, only for the last ones.
OVERDUE_LOOKBACK_DAYS = 7


def follow_up_link(follow_up: FollowUp) -> str:
    return reverse("policies:follow_up_detail", args=[follow_up.pk])


def validate_resolution(resolution: str) -> str:
    """A resolution says what was done: a note is required."""
    note = (resolution or "").strip()
    if not note:
        raise ValidationError({"resolution": gettext_lazy("Say what was done about it.")})
    if len(note) > RESOLUTION_MAX:
        raise ValidationError(
            {"resolution": gettext_lazy("At most %(max)d characters.") % {"max": RESOLUTION_MAX}}
        )
    return note


@transaction.atomic
def follow_up_resolve(*, actor, follow_up: FollowUp, resolution: str, now=None) -> FollowUp:
    """Resolve an open follow-up with a note (the person's manager or a security officer): audited as
    ``policy.followup.resolve``; the person is told, and the notifications about it are withdrawn."""
    note = validate_resolution(resolution)
    # Lock the row: two resolutions at once (the manager and an officer) give one, and one audit event.
    locked = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    locked.person = follow_up.person  # the person (and their manager) as fetched; no query of its own
    if locked.status != FollowUpStatus.OPEN:
        raise ValidationError({"resolution": gettext_lazy("This follow-up is resolved already.")})
    require_resolve(actor, locked)
    now = now or timezone.now()
    locked.status = FollowUpStatus.RESOLVED
    locked.resolved_at = now
    locked.resolved_by = actor
    locked.resolution = note
    locked.save(update_fields=["status", "resolved_at", "resolved_by", "resolution"])
    audit.record(
        action="policy.followup.resolve",
        actor=actor,
        obj=locked,
        changes={"status": [FollowUpStatus.OPEN, FollowUpStatus.RESOLVED], "resolution": note},
    )
    withdraw(locked)
    notify(
        recipient=locked.person,
        subject=gettext_lazy("Your policy follow-up was resolved"),
        body=format_lazy(
            gettext_lazy('{actor} resolved the follow-up of your answer "{question}": {note}'),
            actor=actor.full_name or actor.email,
            question=follow_up.answer.question.text,
            note=note,
        ),
        link=follow_up_link(locked),
        dedup_key=f"policy-follow-up-resolved:{locked.pk}",
    )
    return locked


def _site_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(zoneinfo.ZoneInfo(settings.TIME_ZONE)).date()


def remind_overdue_follow_ups(*, now) -> int:
    """Tick step: the security officers are told once about each follow-up gone overdue. The follow-ups whose
    due day (in the installation's time zone) was the same day are listed in one digest per officer, under
    the key ``policy-follow-ups-overdue:<due day>``: a repeated tick is a no-op, a late tick catches up (the
    last ``OVERDUE_LOOKBACK_DAYS`` due days), and a follow-up resolved before it fell due is never named.
    Returns how many digests were new. Three queries when there is nothing to say."""
    since = now - datetime.timedelta(days=OVERDUE_LOOKBACK_DAYS)
    overdue = list(
        overdue_follow_ups(now)
        .filter(due_at__gte=since)
        .select_related("person", "answer__question", "answer__assignment__campaign__policy")
        .order_by("due_at", "pk")
    )
    if not overdue:
        return 0
    officers = list(User.objects.security_officers().filter(is_active=True))
    by_day: dict[datetime.date, list[FollowUp]] = defaultdict(list)
    for follow_up in overdue:
        by_day[_site_day(follow_up.due_at)].append(follow_up)
    sent = 0
    with transaction.atomic():
        for day, follow_ups in sorted(by_day.items()):
            items = [
                DigestItem(
                    officer,
                    format_lazy(
                        gettext_lazy("{person}, {policy}: {question} (due {due})"),
                        person=follow_up.person.full_name or follow_up.person.email,
                        policy=follow_up.answer.assignment.campaign.policy.title,
                        question=follow_up.answer.question.text,
                        due=show_date(follow_up.due_at),
                    ),
                    follow_up_link(follow_up),
                )
                for officer in officers
                for follow_up in follow_ups
            ]
            sent += digest(
                items=items,
                subject=gettext_lazy("Policy follow-ups overdue"),
                intro=gettext_lazy(
                    'These follow-ups of "no" answers are past their due date and still open:'
                ),
                dedup_prefix=f"policy-follow-ups-overdue:{day:%Y-%m-%d}",
                more_link=reverse("policies:follow_ups") + "?scope=all&overdue=on",
            )
    return sent
