"""Risk acceptance: the risk's owner asks, a security officer approves, and above appetite an admin approves
too; rejection, revocation, expiry notices and expiry (the last two are steps of the risk tick).

Rules:

* Only the risk's owner asks, with a rationale and an expiry day in the future and at most a year away.
  Whether the risk is above appetite is recorded from its current level at the request.
* Approvals: one by a security officer; when above appetite, one by an admin as well, in either order.
  Two different people give them (one person holding both roles gives one), and neither is the risk's
  owner or the requester, whatever roles they hold: the owner never approves alone.
* Fully approved: the risk becomes "accepted" with treatment "accept". Revocation (security officers) and
  expiry reopen it (status "open").
* Expiry notices go to the owner and the security officers 30 and 7 days before the expiry day, and at expiry
  (sent by ``expire_acceptances`` with the expiry itself). Each acceptance records the last notice told
  (``expiry_notice_days``), so a repeated or late tick never tells twice, and a tick that was down through a
  step sends only the latest one due.

Days are counted in the installation's time zone; an acceptance holds until the day before ``expires_on``
and ends on that day.
"""

import datetime
import hashlib
from contextlib import nullcontext

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from dpms import audit, notify
from dpms.context import current_origin, origin
from dpms.formats import show_date
from dpms.models import PortalRole, User
from dpms.notify import DigestItem, digest, notify_each_once
from risk.choices import AcceptanceStatus, RiskStatus, Treatment
from risk.models import Risk, RiskAcceptance
from risk.queries.acceptances import (
    LIVE,
    OFFICER,
    approval_for,
    has_live_acceptance,
    is_complete,
    is_involved_owner,
    live_acceptance_without_admin,
    may_reject,
    may_request_acceptance,
    may_revoke_acceptances,
    with_people,
)
from risk.services.actions import site_today

# A day written as the reader's pages write it: notifications are rendered in each recipient's language.
lazy_date = lazy(show_date, str)

NOTICE_DAYS = (30, 7)  # before the expiry day; the notice at expiry (0) comes with the expiry


def latest_expiry(today: datetime.date) -> datetime.date:
    """One year after ``today`` (29 February → 28 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def acceptance_link(acceptance: RiskAcceptance) -> str:
    return reverse("risk:acceptance_detail", args=[acceptance.risk_id, acceptance.pk])


def _key(acceptance: RiskAcceptance, occasion: str) -> str:
    """The notification key of an occasion; ``notify_each_once`` adds the person (each told once)."""
    return f"risk-acceptance:{acceptance.pk}:{occasion}"


def _owner_and_officers(acceptance: RiskAcceptance) -> list:
    return [acceptance.risk.owner, *User.objects.security_officers()]


def _locked(acceptance: RiskAcceptance) -> RiskAcceptance:
    # Lock the acceptance, then its risk (always in this order): two approvers clicking at once are
    # serialised, so one sees the other's approval and the acceptance is never half approved or decided twice.
    RiskAcceptance.objects.select_for_update().filter(pk=acceptance.pk).first()
    Risk.objects.select_for_update().filter(pk=acceptance.risk_id).first()
    return with_people().get(pk=acceptance.pk)


# --- Business actions ---------------------------------------------------------------------------------------
def validate_acceptance_request(*, rationale: str, expires_on: datetime.date | None, today: datetime.date):
    """An acceptance is asked for with a rationale, until a day after ``today`` and at most a year ahead."""
    errors = {}
    if not (rationale or "").strip():
        errors["rationale"] = gettext("Say why the risk should be accepted.")
    if expires_on is None or expires_on <= today:
        errors["expires_on"] = gettext("The expiry must be in the future.")
    elif expires_on > latest_expiry(today):
        errors["expires_on"] = gettext("An acceptance lasts at most a year: until %(day)s.") % {
            "day": show_date(latest_expiry(today))
        }
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def acceptance_request(*, risk: Risk, actor, rationale: str, expires_on: datetime.date) -> RiskAcceptance:
    """The risk's owner asks to accept ``risk`` until ``expires_on``; the approvers are told."""
    rationale = (rationale or "").strip()
    validate_acceptance_request(rationale=rationale, expires_on=expires_on, today=site_today())
    # Lock the risk: two requests at once must not both pass the "no live acceptance" check below.
    risk = Risk.objects.select_for_update().select_related("matrix", "owner").get(pk=risk.pk)
    if not may_request_acceptance(actor, risk):
        raise PermissionDenied("Only the risk's owner asks for its acceptance (auditors change nothing).")
    if risk.status != RiskStatus.OPEN:
        raise ValidationError(
            gettext("Only an open risk can be accepted; this one is %(status)s.")
            % {"status": risk.get_status_display()}
        )
    if has_live_acceptance(risk):
        raise ValidationError(gettext("This risk already has an acceptance requested or in force."))
    acceptance = RiskAcceptance.objects.create(
        risk=risk,
        requested_by=actor,
        rationale=rationale,
        expires_on=expires_on,
        above_appetite=risk.current_level["above_appetite"],
    )
    audit.record(
        action="risk.acceptance.request",
        actor=actor,
        obj=acceptance,
        changes={
            "risk": risk.reference,
            "rationale": rationale,
            "expires_on": expires_on,
            "current_level": risk.current_level["name"],
            "above_appetite": acceptance.above_appetite,
        },
    )
    approvers = list(User.objects.security_officers())
    if acceptance.above_appetite:
        approvers += list(User.objects.holding(PortalRole.ADMIN))
    notify_each_once(
        [person for person in approvers if person.pk != actor.pk],
        subject=format_lazy(_("Risk acceptance waiting for approval: {reference}"), reference=risk.reference),
        body=format_lazy(
            _(
                "{person} asks to accept {risk} until {day} (above appetite: an admin approves too)."
                "\nRationale: {rationale}"
            )
            if acceptance.above_appetite
            else _("{person} asks to accept {risk} until {day}.\nRationale: {rationale}"),
            person=str(actor),
            risk=str(risk),
            day=lazy_date(expires_on),
            rationale=rationale,
        ),
        link=acceptance_link(acceptance),
        dedup_key=_key(acceptance, "requested"),
        topic=acceptance,  # an approval or a rejection withdraws the request
    )
    return acceptance


@transaction.atomic
def acceptance_approve(*, acceptance: RiskAcceptance, actor, now=None) -> RiskAcceptance:
    """Give one approval; when every approval needed is in, the risk is accepted and everyone is told."""
    now = now or timezone.now()
    acceptance = _locked(acceptance)
    if acceptance.status != AcceptanceStatus.REQUESTED:
        raise ValidationError(
            gettext("This acceptance is no longer requested: %(status)s.")
            % {"status": acceptance.get_status_display()}
        )
    if is_involved_owner(acceptance, actor):
        raise PermissionDenied("The risk's owner does not approve its acceptance.")
    step = approval_for(acceptance, actor)
    if step is None:
        raise PermissionDenied("You have no approval to give on this acceptance.")
    if acceptance.expires_on <= site_today(now):
        raise ValidationError(
            gettext("The expiry day of this acceptance has passed; the owner must ask again.")
        )
    risk = acceptance.risk
    if risk.status != RiskStatus.OPEN:
        raise ValidationError(
            gettext("The risk is no longer open (%(status)s); it cannot be accepted now.")
            % {"status": risk.get_status_display()}
        )
    if risk.current_level["above_appetite"] and not acceptance.above_appetite:
        # The scores rose above appetite since the request: from now on an admin approves too.
        acceptance.above_appetite = True
        step = approval_for(acceptance, actor)
    if step == OFFICER:
        acceptance.officer_approved_by, acceptance.officer_approved_at = actor, now
    else:
        acceptance.admin_approved_by, acceptance.admin_approved_at = actor, now
    changes: dict[str, object] = {"approval": step}
    complete = is_complete(acceptance)
    if complete:
        acceptance.status, acceptance.decided_at = AcceptanceStatus.APPROVED, now
        changes |= {
            "status": [AcceptanceStatus.REQUESTED, AcceptanceStatus.APPROVED],
            "risk_status": [risk.status, RiskStatus.ACCEPTED],
            "risk_treatment": [risk.treatment, Treatment.ACCEPT],
        }
        risk.status, risk.treatment, risk.updated_at = RiskStatus.ACCEPTED, Treatment.ACCEPT, now
        risk.save(update_fields=["status", "treatment", "updated_at"])
    acceptance.save()
    audit.record(action="risk.acceptance.approve", actor=actor, obj=acceptance, changes=changes)
    notify.withdraw(acceptance)  # this approval is given: the requests for it are owed no more
    if complete:
        notify_each_once(
            _owner_and_officers(acceptance),
            subject=format_lazy(_("Risk accepted: {reference}"), reference=risk.reference),
            body=format_lazy(
                _("The acceptance of {risk} is approved until {day}."),
                risk=str(risk),
                day=lazy_date(acceptance.expires_on),
            ),
            link=acceptance_link(acceptance),
            dedup_key=_key(acceptance, "approved"),
        )
    else:
        notify_each_once(
            [p for p in User.objects.holding(PortalRole.ADMIN) if approval_for(acceptance, p)],
            subject=format_lazy(
                _("Risk acceptance waiting for an admin's approval: {reference}"), reference=risk.reference
            ),
            body=format_lazy(
                _(
                    "{person} approved as security officer; {risk} is above appetite, "
                    "so an admin approves too."
                ),
                person=str(actor),
                risk=str(risk),
            ),
            link=acceptance_link(acceptance),
            dedup_key=_key(acceptance, f"after-{step}"),
            topic=acceptance,
        )
    return acceptance


@transaction.atomic
def acceptance_reject(*, acceptance: RiskAcceptance, actor, reason: str, now=None) -> RiskAcceptance:
    """An approver refuses the acceptance, with a reason; the owner is told."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why the acceptance is rejected.")})
    acceptance = _locked(acceptance)
    if acceptance.status != AcceptanceStatus.REQUESTED:
        raise ValidationError(
            gettext("This acceptance is no longer requested: %(status)s.")
            % {"status": acceptance.get_status_display()}
        )
    if not may_reject(acceptance, actor):
        raise PermissionDenied("You do not decide on this acceptance.")
    acceptance.status = AcceptanceStatus.REJECTED
    acceptance.rejected_by, acceptance.decided_at, acceptance.rejection_reason = (
        actor,
        now or timezone.now(),
        reason,
    )
    acceptance.save(update_fields=["status", "rejected_by", "decided_at", "rejection_reason"])
    audit.record(
        action="risk.acceptance.reject",
        actor=actor,
        obj=acceptance,
        changes={"status": [AcceptanceStatus.REQUESTED, AcceptanceStatus.REJECTED], "reason": reason},
    )
    notify.withdraw(acceptance)
    notify_each_once(
        [acceptance.risk.owner, acceptance.requested_by],
        subject=format_lazy(_("Risk acceptance rejected: {reference}"), reference=acceptance.risk.reference),
        body=format_lazy(_("{person} rejected the acceptance: {reason}"), person=str(actor), reason=reason),
        link=acceptance_link(acceptance),
        dedup_key=_key(acceptance, "rejected"),
    )
    return acceptance


def _reopen(risk: Risk, now) -> dict:
    if risk.status != RiskStatus.ACCEPTED:
        return {}
    risk.status, risk.updated_at = RiskStatus.OPEN, now
    risk.save(update_fields=["status", "updated_at"])
    return {"risk_status": [RiskStatus.ACCEPTED, RiskStatus.OPEN]}


def acceptance_end_for_risk_change(*, risk: Risk, actor, reason: str, now=None) -> RiskAcceptance | None:
    """End the live acceptance of ``risk`` when the risk changed under it (closed, or its current score rose
    above appetite without an admin's approval). Call inside the transaction that changed the risk."""
    now = now or timezone.now()
    live = RiskAcceptance.objects.select_for_update().filter(risk=risk, status__in=LIVE).first()
    if live is None:
        return None
    before = live.status
    live.status = AcceptanceStatus.REVOKED
    live.revoked_at, live.revocation_reason = now, reason
    live.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
    live.save(update_fields=["status", "revoked_by", "revoked_at", "revocation_reason"])
    audit.record(
        action="risk.acceptance.end",
        actor=actor,
        obj=live,
        changes={"status": [before, AcceptanceStatus.REVOKED], "reason": reason},
    )
    notify_each_once(
        _owner_and_officers(live),
        subject=format_lazy(_("Risk acceptance ended: {reference}"), reference=risk.reference),
        body=_(
            reason
        ),  # the system's reasons are in the catalogue (gettext_noop); a person's stay as written
        link=acceptance_link(live),
        dedup_key=_key(live, "ended"),
    )
    return live


def acceptance_recheck_appetite(*, risk: Risk, actor, now=None) -> RiskAcceptance | None:
    """After the scores changed: an acceptance without an admin's approval does not hold above appetite."""
    if not risk.current_level["above_appetite"]:
        return None
    live = live_acceptance_without_admin(risk)
    if live is None:
        return None
    if live.status == AcceptanceStatus.REQUESTED:
        if not live.above_appetite:
            # Still being decided: from now on an admin approves too.
            RiskAcceptance.objects.filter(pk=live.pk).update(above_appetite=True)
            audit.record(
                action="risk.acceptance.above_appetite",
                actor=actor,
                obj=live,
                changes={"above_appetite": [False, True], "current_level": risk.current_level["name"]},
            )
        return None
    ended = acceptance_end_for_risk_change(
        risk=risk,
        actor=actor,
        now=now,
        # Stored in English (the trail's words); pages and notices show it in the reader's language.
        reason=gettext_noop(
            "The current score rose above appetite; an acceptance there needs an admin's approval too."
        ),
    )
    changes = _reopen(risk, now or timezone.now())
    if changes:
        audit.record(action="risk.risk.reopen", actor=actor, obj=risk, changes=changes)
    return ended


@transaction.atomic
def acceptance_revoke(*, acceptance: RiskAcceptance, actor, reason: str, now=None) -> RiskAcceptance:
    """A security officer ends an acceptance in force, with a reason; the risk reopens."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": gettext("Say why the acceptance is revoked.")})
    if not may_revoke_acceptances(actor):
        raise PermissionDenied("Only security officers revoke an acceptance.")
    acceptance = _locked(acceptance)
    if acceptance.status != AcceptanceStatus.APPROVED:
        raise ValidationError(
            gettext("Only an acceptance in force can be revoked; this one is %(status)s.")
            % {"status": acceptance.get_status_display()}
        )
    acceptance.status = AcceptanceStatus.REVOKED
    acceptance.revoked_by, acceptance.revoked_at, acceptance.revocation_reason = actor, now, reason
    acceptance.save(update_fields=["status", "revoked_by", "revoked_at", "revocation_reason"])
    changes = {"status": [AcceptanceStatus.APPROVED, AcceptanceStatus.REVOKED], "reason": reason}
    changes |= _reopen(acceptance.risk, now)
    audit.record(action="risk.acceptance.revoke", actor=actor, obj=acceptance, changes=changes)
    notify_each_once(
        _owner_and_officers(acceptance),
        subject=format_lazy(_("Risk acceptance revoked: {reference}"), reference=acceptance.risk.reference),
        body=format_lazy(
            _("{person} revoked the acceptance of {risk}: {reason}\nThe risk is open again."),
            person=str(actor),
            risk=str(acceptance.risk),
            reason=reason,
        ),
        link=acceptance_link(acceptance),
        dedup_key=_key(acceptance, "revoked"),
    )
    return acceptance


# --- Tick steps ---------------------------------------------------------------------------------------------
def _due_notice(acceptance: RiskAcceptance, today: datetime.date) -> int | None:
    """The latest notice step due (30 or 7 days before) not yet told, or None."""
    left = (acceptance.expires_on - today).days
    due = [days for days in NOTICE_DAYS if left <= days]
    if not due or (acceptance.expiry_notice_days is not None and acceptance.expiry_notice_days <= due[-1]):
        return None
    return due[-1]


@transaction.atomic
def notify_expiring_acceptances(*, now) -> int:
    """Tell the owner and the security officers 30 and 7 days before an acceptance ends (one digest per
    person per day); returns how many acceptances were announced."""
    today = site_today(now)
    not_told = Q(expiry_notice_days__isnull=True, expires_on__lte=today + datetime.timedelta(days=30))
    week_not_told = Q(expiry_notice_days__gt=7, expires_on__lte=today + datetime.timedelta(days=7))
    # skip_locked: several workers share the due acceptances; each is told by the one worker that holds it.
    acceptances = list(
        RiskAcceptance.objects.filter(not_told | week_not_told, status=AcceptanceStatus.APPROVED)
        .filter(expires_on__gt=today)
        .select_related("risk__owner")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("expires_on", "pk")
    )
    if not acceptances:
        return 0
    officers = list(User.objects.security_officers())
    items: list[DigestItem] = []
    told: dict[int, list[int]] = {}  # notice step (days before expiry) → the acceptances told it
    for acceptance in acceptances:
        days = _due_notice(acceptance, today)
        if days is None:
            continue
        told.setdefault(days, []).append(acceptance.pk)
        text = format_lazy(
            _("{risk}: accepted until {day} ({days}-day notice); then the risk reopens"),
            risk=str(acceptance.risk),
            day=lazy_date(acceptance.expires_on),
            days=days,
        )
        for person in {acceptance.risk.owner, *officers}:
            if person.is_active:
                items.append(DigestItem(person, text, acceptance_link(acceptance)))
    for days, ids in told.items():
        RiskAcceptance.objects.filter(pk__in=ids).update(expiry_notice_days=days)
    batch = "-".join(f"{pk}" for pk in sorted(pk for ids in told.values() for pk in ids))
    # Each acceptance is told once (its marker above); the key holds the batch so a second batch on the same
    # day (an acceptance approved later that day) still reaches everyone.
    digest(
        items=items,
        subject=_("Risk acceptances ending soon"),
        intro=_("These risk acceptances end soon; the owner may ask for a new one:"),
        dedup_prefix=f"risk-acceptance-expiry:{today:%Y-%m-%d}:{_short_hash(batch)}",
    )
    return sum(len(ids) for ids in told.values())


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@transaction.atomic
def expire_acceptances(*, now) -> int:
    """End every acceptance whose expiry day has come: approved ones expire and their risk reopens (owner and
    security officers told); requested ones that were never approved in time expire quietly."""
    today = site_today(now)
    # Audit events say "task" even when the step is called from a shell or a test.
    with origin("task") if current_origin().source != "task" else nullcontext():
        # skip_locked: workers share the due acceptances; one held by an approver is left for the next tick.
        acceptances = list(
            RiskAcceptance.objects.filter(status__in=LIVE, expires_on__lte=today)
            .select_related("risk__owner")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("expires_on", "pk")
        )
        officers = list(User.objects.security_officers())
        for acceptance in acceptances:
            before = acceptance.status
            acceptance.status = AcceptanceStatus.EXPIRED
            acceptance.expiry_notice_days = 0
            acceptance.decided_at = acceptance.decided_at or now
            acceptance.save(update_fields=["status", "expiry_notice_days", "decided_at"])
            changes = {"status": [before, AcceptanceStatus.EXPIRED], "expires_on": acceptance.expires_on}
            if before == AcceptanceStatus.APPROVED:
                # Lock the risk as approve and revoke do, after the acceptance.
                risk = Risk.objects.select_for_update().get(pk=acceptance.risk_id)
                changes |= _reopen(risk, now)
            audit.record(action="risk.acceptance.expire", obj=acceptance, changes=changes)
            if before == AcceptanceStatus.APPROVED:
                notify_each_once(
                    [acceptance.risk.owner, *officers],
                    subject=format_lazy(
                        _("Risk acceptance ended: {reference}"), reference=acceptance.risk.reference
                    ),
                    body=format_lazy(
                        _("The acceptance of {risk} ended on {day}; the risk is open again."),
                        risk=str(acceptance.risk),
                        day=lazy_date(acceptance.expires_on),
                    ),
                    link=acceptance_link(acceptance),
                    dedup_key=_key(acceptance, "expired"),
                )
        return len(acceptances)
