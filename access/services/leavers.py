"""Leavers: when a person is deactivated, from any source (the admin, the API, SCIM), their access must go
within a working day, or be tracked until it has.

``dpms.services.user_deactivate`` tells us through the portal's leaver listeners, inside its transaction
(dpms knows no domain app), after it ended the person's sessions and API tokens. Then, for the person:

- every active grant gets a revocation task marked ``leaver``, due in 1 working day for a privileged role and
  5 for any other (Monday to Friday; public holidays are not known here), assigned to the system's owner. On
  a system set to ``auto_revoke_leavers`` (and on the portal itself, whose roles are its own to take away)
  the grant is revoked at once and its task is done at once, so the record is the same everywhere;
- their review items in open campaigns are decided "revoke (leaver)";
- a finding "leaver access still open" stays on the officers' dashboard until the last task is done;
- each system owner gets one digest of their tasks, each security officer one summary.

It runs a fixed number of queries however many grants the person holds (hundreds for a long career): the
grants, tasks, items and events are read and written in bulk, never one query per grant. Only the portal's
own grants (at most three) go one by one, because their group memberships go with them.

Reactivating the person later gives nothing back: revoked grants stay revoked and open tasks stay open.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Least
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from access.choices import CampaignStatus, Decision, FindingKind, Recommendation, TaskStatus
from access.models import Finding, Grant, ReviewCampaign, ReviewItem, RevocationTask
from access.services.grants import grant_revoke, revoked_event
from access.services.tallies import tally_key, tally_moves
from dpms import audit
from dpms.formats import show_date
from dpms.models import User
from dpms.notify import DigestItem, digest, notify_each_once

# A day written out when the text is, in its reader's language (notifications render per recipient).
lazy_date = lazy(show_date, str)

PRIVILEGED_DUE_WORKING_DAYS = 1
OTHER_DUE_WORKING_DAYS = 5
AUTO_REVOKED_NOTE = "Revoked at once: this system revokes leavers' access automatically."
FINDING_RESOLUTION = "Every revocation task of the leaver is done."


def add_working_days(moment: datetime.datetime, days: int) -> datetime.datetime:
    """``moment`` plus ``days`` working days (Monday to Friday), at the same local time: a Friday's 1 working
    day is the Monday, a Saturday's too."""
    local = timezone.localtime(moment)
    while days > 0:
        local += datetime.timedelta(days=1)
        if local.weekday() < 5:
            days -= 1
    return local


def due_for(grant: Grant, left_at: datetime.datetime) -> datetime.datetime:
    days = PRIVILEGED_DUE_WORKING_DAYS if grant.role.privileged else OTHER_DUE_WORKING_DAYS
    return add_working_days(left_at, days)


def revokes_at_once(grant: Grant) -> bool:
    system = grant.role.system
    return system.auto_revoke_leavers or system.is_portal


@dataclass(frozen=True)
class LeaverOutcome:
    """What a leaver's processing did: tasks opened (still to do), grants revoked at once, items decided."""

    tasks_open: int
    revoked_at_once: int
    items_decided: int


@transaction.atomic
def leaver_process(*, user: User, actor, now: datetime.datetime | None = None) -> LeaverOutcome:
    """Open (or apply at once) a revocation task for every active grant of ``user``, who was just deactivated;
    decide their open review items "revoke (leaver)"; open the leaver finding; tell the owners and officers.
    Audited: one event per grant revoked and per item decided, and a summary event on the person. ``now``
    (default: when they were deactivated) is when they left: the due dates count from it."""
    now = now or user.deactivated_at or timezone.now()
    left_on = f"{timezone.localtime(now):%Y-%m-%d}"
    reason = f"{user} left (deactivated on {left_on})."
    events: list[dict] = []
    decided, items_by_grant = _decide_open_items(
        user=user, actor=actor, now=now, left_on=left_on, events=events
    )
    # Lock the grants: a revocation meanwhile (a review's close, an officer) waits, and then finds the grant
    # revoked, instead of both revoking it and writing two events.
    grants = list(
        Grant.objects.active()
        .select_for_update(of=("self",))
        .filter(user=user)
        .select_related("user", "role__system__owner")
        .order_by("role__system__name", "role__name", "pk")
    )
    at_once = [grant for grant in grants if revokes_at_once(grant)]
    to_do = [grant for grant in grants if not revokes_at_once(grant)]
    _revoke_at_once(at_once, actor=actor, reason=reason, now=now, events=events)
    _write_tasks(
        at_once=at_once, to_do=to_do, items_by_grant=items_by_grant, actor=actor, reason=reason, now=now
    )
    applied = [items_by_grant[grant.pk] for grant in at_once if grant.pk in items_by_grant]
    if applied:
        # Items whose grant went at once are applied at once (as a closing review's auto-apply would).
        ReviewItem.objects.filter(pk__in=applied).update(
            applied_at=now, applied_by=actor if getattr(actor, "is_authenticated", False) else None
        )
    if to_do:
        _open_finding(user=user, tasks=to_do, left_on=left_on, now=now)
    _tell(user=user, at_once=at_once, to_do=to_do, left_at=now, left_on=left_on)
    events.append(
        {
            "action": "access.leaver.process",
            "actor": actor,
            "obj": user,
            "changes": {
                "tasks_open": len(to_do),
                "revoked_at_once": len(at_once),
                "items_decided": decided,
                "due": {
                    "privileged": f"{add_working_days(now, PRIVILEGED_DUE_WORKING_DAYS):%Y-%m-%d}",
                    "other": f"{add_working_days(now, OTHER_DUE_WORKING_DAYS):%Y-%m-%d}",
                },
            },
        }
    )
    audit.record_many(events)
    return LeaverOutcome(tasks_open=len(to_do), revoked_at_once=len(at_once), items_decided=decided)


def _decide_open_items(
    *, user: User, actor, now, left_on: str, events: list[dict]
) -> tuple[int, dict[int, int]]:
    """Decide the leaver's items in open campaigns "revoke (leaver)"; returns how many changed, and
    {grant id: item id} of every such item without a task yet (decided now or revoke already), for the tasks
    to point at."""
    campaign_ids = set(
        ReviewItem.objects.filter(holder=user, campaign__status=CampaignStatus.OPEN).values_list(
            "campaign_id", flat=True
        )
    )
    if not campaign_ids:
        return 0, {}
    # Campaigns first, items second: the order a decision and a close lock in, so this lands entirely before
    # a close (and is in its evidence) or waits for it.
    open_ids = list(
        ReviewCampaign.objects.select_for_update()
        .filter(pk__in=campaign_ids, status=CampaignStatus.OPEN)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    items = list(
        ReviewItem.objects.select_for_update()
        .filter(holder=user, campaign_id__in=open_ids, applied_at__isnull=True)
        .order_by("pk")
    )
    justification = f"Revoke (leaver): {user} was deactivated on {left_on}."
    changing = [item for item in items if item.decision != Decision.REVOKE]
    moves = []
    for item in changing:
        before_key, before = tally_key(item), item.decision
        item.decision = Decision.REVOKE
        moves.append((before_key, tally_key(item)))
        events.append(
            {
                "action": "access.item.decide",
                "actor": actor,
                "obj": item,
                "changes": {
                    "decision": [before, Decision.REVOKE],
                    "justification": [item.justification, justification],
                    "leaver": True,
                    "reviewer": item.reviewer_id,
                    "privileged": item.privileged,
                },
            }
        )
    if changing:
        ReviewItem.objects.filter(pk__in=[item.pk for item in changing]).update(
            decision=Decision.REVOKE,
            justification=justification,
            downgrade_to=None,
            keep_until=None,
            decided_by=None,
            decided_at=now,
            override=False,
            bulk=False,
            default_applied=False,
            holder_deactivated=True,
            recommendation=Recommendation.DEACTIVATED,
            recommendation_reason=f"Deactivated on {left_on}.",
        )
        tally_moves(moves)
    linked = set(
        RevocationTask.objects.filter(review_item__in=[item.pk for item in items]).values_list(
            "review_item_id", flat=True
        )
    )
    by_grant: dict[int, int] = {}
    for item in items:
        if item.pk not in linked:
            by_grant.setdefault(item.grant_id, item.pk)
    return len(changing), by_grant


def _revoke_at_once(grants: list[Grant], *, actor, reason: str, now, events: list[dict]) -> None:
    """Revoke the grants on systems that revoke leavers at once: one update for all, one event each. The
    portal's own grants go through ``grant_revoke``, which takes the portal role away with them."""
    by = actor if getattr(actor, "is_authenticated", False) else None
    portal = [grant for grant in grants if grant.role.system.is_portal]
    others = [grant for grant in grants if not grant.role.system.is_portal]
    for grant in portal:
        grant_revoke(actor=actor, grant=grant, reason=reason, now=now)
    if others:
        Grant.objects.filter(pk__in=[grant.pk for grant in others], revoked_at__isnull=True).update(
            revoked_at=now, revoked_by=by, revoke_reason=reason
        )
        for grant in others:
            grant.revoked_at, grant.revoked_by, grant.revoke_reason = now, by, reason
            events.append(revoked_event(actor, grant))


def _write_tasks(*, at_once, to_do, items_by_grant, actor, reason: str, now) -> None:
    """A leaver task per grant: done at once for those revoked at once, open with its due date for the rest.
    A grant with an open task already (from a review, an expiry) keeps that task, now marked a leaver's,
    done or due as soon as the leaver's would be."""
    by = actor if getattr(actor, "is_authenticated", False) else None
    grants = at_once + to_do
    existing = set(
        RevocationTask.objects.filter(grant__in=grants, status=TaskStatus.OPEN).values_list(
            "grant_id", flat=True
        )
    )
    done_ids = [grant.pk for grant in at_once if grant.pk in existing]
    if done_ids:
        RevocationTask.objects.filter(grant_id__in=done_ids, status=TaskStatus.OPEN).update(
            leaver=True, status=TaskStatus.DONE, done_at=now, done_by=by, done_note=AUTO_REVOKED_NOTE
        )
    for privileged, days in ((True, PRIVILEGED_DUE_WORKING_DAYS), (False, OTHER_DUE_WORKING_DAYS)):
        ids = [grant.pk for grant in to_do if grant.pk in existing and grant.role.privileged == privileged]
        if ids:
            RevocationTask.objects.filter(grant_id__in=ids, status=TaskStatus.OPEN).update(
                leaver=True, due_at=Least(F("due_at"), add_working_days(now, days))
            )
    new = [
        RevocationTask(
            system=grant.role.system,
            grant=grant,
            review_item_id=items_by_grant.get(grant.pk),
            assignee=grant.role.system.owner,
            reason=f"Revoke {grant.role.system.name} · {grant.role.name}: {reason}",
            created_at=now,
            due_at=due_for(grant, now),
            leaver=True,
            **(
                {"status": TaskStatus.DONE, "done_at": now, "done_by": by, "done_note": AUTO_REVOKED_NOTE}
                if revokes_at_once(grant)
                else {}
            ),
        )
        for grant in grants
        if grant.pk not in existing
    ]
    RevocationTask.objects.bulk_create(new, batch_size=1000)


def _open_finding(*, user: User, tasks: list[Grant], left_on: str, now) -> None:
    """The finding "leaver access still open" about the person (one open at a time: a leaver who comes back
    and leaves again has the one finding, its details brought up to date)."""
    details = (
        f"{user} left on {left_on}: {len(tasks)} revocation task{'s' if len(tasks) != 1 else ''} opened."
    )
    finding = Finding.objects.filter(
        kind=FindingKind.LEAVER_ACCESS_OPEN, person=user, resolved_at__isnull=True
    ).first()
    if finding is not None:
        Finding.objects.filter(pk=finding.pk).update(details=details)
        return
    finding = Finding.objects.create(
        kind=FindingKind.LEAVER_ACCESS_OPEN, person=user, details=details, opened_at=now
    )
    audit.record(
        action="access.finding.open",
        obj=finding,
        changes={"kind": finding.kind, "person": user.email, "details": details},
    )


def leaver_finding_check(*, person_id: int, actor, now) -> bool:
    """Resolve the person's open leaver finding when none of their leaver tasks is open any more (called as a
    leaver task is done). True when it was resolved now."""
    if RevocationTask.objects.filter(grant__user_id=person_id, leaver=True, status=TaskStatus.OPEN).exists():
        return False
    # Lock the finding: the last two tasks done at once resolve it once.
    finding = (
        Finding.objects.select_for_update()
        .filter(kind=FindingKind.LEAVER_ACCESS_OPEN, person_id=person_id, resolved_at__isnull=True)
        .first()
    )
    if finding is None:
        return False
    finding.resolved_at, finding.resolution = now, FINDING_RESOLUTION
    finding.resolved_by = actor if getattr(actor, "is_authenticated", False) else None
    finding.save(update_fields=["resolved_at", "resolved_by", "resolution"])
    audit.record(
        action="access.finding.resolve",
        actor=actor,
        obj=finding,
        changes={"resolved_at": [None, now], "resolution": FINDING_RESOLUTION},
    )
    return True


def _tell(*, user: User, at_once: list[Grant], to_do: list[Grant], left_at, left_on: str) -> None:
    """One digest per system owner (their systems' grants of the leaver) and one summary per officer."""
    if not (at_once or to_do):
        return
    tasks_link = f"{reverse('access:revocation_list')}?{urlencode({'q': user.email})}"
    occasion = f"access-leaver:{user.pk}:{left_at:%Y%m%dT%H%M%S}"
    lines = [
        DigestItem(
            recipient=grant.role.system.owner,
            text=(
                format_lazy(
                    gettext_lazy("{system} · {role}: revoked at once"),
                    system=grant.role.system.name,
                    role=grant.role.name,
                )
                if revokes_at_once(grant)
                else format_lazy(
                    gettext_lazy("{system} · {role}: remove by {date}"),
                    system=grant.role.system.name,
                    role=grant.role.name,
                    date=lazy_date(due_for(grant, left_at)),
                )
            ),
            link=tasks_link,
        )
        for grant in at_once + to_do
        if grant.role.system.owner is not None and grant.role.system.owner.is_active
    ]
    digest(
        items=lines,
        subject=format_lazy(gettext_lazy("{person} left: access on your systems"), person=str(user)),
        intro=format_lazy(
            gettext_lazy(
                "{person} was deactivated on {date}. Remove their access below in each system, then mark "
                "each revocation task done (privileged roles within 1 working day, others within 5)."
            ),
            person=str(user),
            date=lazy_date(left_at),
        ),
        dedup_prefix=occasion,
        more_link=tasks_link,
    )
    systems = {grant.role.system.pk for grant in at_once + to_do}
    privileged = sum(1 for grant in to_do if grant.role.privileged)
    per_system: dict[str, int] = defaultdict(int)
    for grant in to_do:
        per_system[grant.role.system.name] += 1
    soon = add_working_days(left_at, PRIVILEGED_DUE_WORKING_DAYS)
    later = add_working_days(left_at, OTHER_DUE_WORKING_DAYS)
    held, revoked, opened = len(at_once) + len(to_do), len(at_once), len(to_do)

    def body(person) -> str:
        """The officers' summary, written in the reader's language (notify calls it with each of them)."""
        systems_text = ngettext("%(count)d system", "%(count)d systems", len(systems)) % {
            "count": len(systems)
        }
        text = _("%(person)s was deactivated on %(date)s holding %(grants)s on %(systems)s.") % {
            "person": user,
            "date": show_date(left_at),
            "grants": ngettext("%(count)d grant", "%(count)d grants", held) % {"count": held},
            "systems": systems_text,
        }
        text += " " + _(
            "%(revoked)s; %(open)s (%(privileged)d privileged, due %(soon)s; the others due %(later)s)."
        ) % {
            "revoked": ngettext("%(count)d was revoked at once", "%(count)d were revoked at once", revoked)
            % {"count": revoked},
            "open": ngettext(
                "%(count)d revocation task is open", "%(count)d revocation tasks are open", opened
            )
            % {"count": opened},
            "privileged": privileged,
            "soon": show_date(soon),
            "later": show_date(later),
        }
        if per_system:
            text += "\n\n" + "\n".join(f"- {name}: {count}" for name, count in sorted(per_system.items()))
        return text

    notify_each_once(
        User.objects.security_officers(),
        subject=format_lazy(gettext_lazy("Leaver: {person}'s access to remove"), person=str(user)),
        body=body,
        link=tasks_link,
        dedup_key=occasion,
    )


def on_person_left(*, user, actor) -> None:
    """Leaver listener (``dpms.portal.App.leaver_listeners``)."""
    leaver_process(user=user, actor=actor)
