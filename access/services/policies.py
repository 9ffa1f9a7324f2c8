"""Review policies: what is recertified, by whom, how often; and the calendar of their campaigns.

The calendar: a policy runs on its start date and every cadence (1, 3, 6 or 12 months) after it, at midnight
UTC. Each run belongs to a calendar period ("2026-11", "2026-Q4", "2026-H2", "2026"), and a policy has at most
one campaign per period. ``next_run_at`` is the first run on or after today (a policy starting today runs
today), so a tick that was down for months launches the current period once, not every missed one.
"""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from access.choices import Cadence, DefaultDecision, Environment, ReviewerRule
from access.models import ReviewPolicy
from access.queries.policies import revoke_exposure
from dpms import audit

MONTHS = {Cadence.MONTHLY: 1, Cadence.QUARTERLY: 3, Cadence.HALF_YEARLY: 6, Cadence.YEARLY: 12}
SCOPE_FIELDS = ("systems", "environments", "privileged_only")
EDITABLE_FIELDS = (
    "name",
    "description",
    "environments",
    "privileged_only",
    "reviewer_rule",
    "named_reviewer",
    "fallback_reviewer",
    "cadence",
    "start_date",
    "duration_days",
    "reminder_days_before_due",
    "remind_at_launch",
    "remind_at_half_time",
    "remind_daily_when_overdue",
    "escalate_after_overdue_days",
    "default_decision",
    "auto_apply",
    "auto_revoke_confirm_share",
)


# --- The calendar -------------------------------------------------------------------------------------
def period_key(cadence: str, day: date) -> str:
    """The calendar period ``day`` falls in: "2026-11", "2026-Q4", "2026-H2" or "2026"."""
    if cadence == Cadence.MONTHLY:
        return f"{day.year}-{day.month:02d}"
    if cadence == Cadence.QUARTERLY:
        return f"{day.year}-Q{(day.month - 1) // 3 + 1}"
    if cadence == Cadence.HALF_YEARLY:
        return f"{day.year}-H{(day.month - 1) // 6 + 1}"
    return f"{day.year}"


MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def period_label(key: str) -> str:
    """A calendar period key as people write it: "2026-11" → "Nov 2026", "2026-Q4" → "Q4 2026",
    "2026-H2" → "H2 2026", "2026" → "2026"; "" for the keys of ad hoc and mover campaigns (a launch time,
    shown as the launch date instead)."""
    year, _, part = key.partition("-")
    if not (len(year) == 4 and year.isdigit()):
        return ""
    if not part:
        return year
    if part.isdigit() and 1 <= int(part) <= 12:
        return f"{MONTH_ABBREVIATIONS[int(part) - 1]} {year}"
    if part in ("Q1", "Q2", "Q3", "Q4", "H1", "H2"):
        return f"{part} {year}"
    return ""


def _add_months(start: date, months: int) -> date:
    """``start`` plus ``months``, keeping the day of month where it exists (31 Jan + 1 → 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def _at_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def next_run_on_or_after(*, cadence: str, start_date: date, day: date) -> datetime:
    """The first run of the calendar (``start_date`` + k cadences, k ≥ 0) on or after ``day``, in UTC."""
    step = MONTHS[Cadence(cadence)]
    if day <= start_date:
        return _at_midnight_utc(start_date)
    # Counted from the start date each time (not run to run), so a 31st never drifts to the 28th for good.
    months_between = (day.year - start_date.year) * 12 + day.month - start_date.month
    k = max(months_between // step - 1, 0)
    while (run := _add_months(start_date, k * step)) < day:
        k += 1
    return _at_midnight_utc(run)


def compute_next_run_at(policy: ReviewPolicy, *, now: datetime) -> datetime:
    """The next launch on or after today (UTC)."""
    return next_run_on_or_after(
        cadence=policy.cadence, start_date=policy.start_date, day=now.astimezone(UTC).date()
    )


def next_run_after_launch(policy: ReviewPolicy, *, now: datetime) -> datetime:
    """After launching the current period: the first run on a later day than today (UTC)."""
    today = now.astimezone(UTC).date()
    return next_run_on_or_after(
        cadence=policy.cadence, start_date=policy.start_date, day=date.fromordinal(today.toordinal() + 1)
    )


# --- Writes -------------------------------------------------------------------------------------------------
def validate_policy(values: dict) -> None:
    """Every rule a policy must satisfy, reported field by field."""
    errors: dict[str, str] = {}
    if not (values.get("name") or "").strip():
        errors["name"] = _("Give the policy a name.")
    if values.get("reviewer_rule") == ReviewerRule.NAMED:
        named = values.get("named_reviewer")
        if named is None:
            errors["named_reviewer"] = _("Name the reviewer: the rule says a named person reviews.")
        elif not named.is_active:
            errors["named_reviewer"] = _("The named reviewer is deactivated.")
    fallback = values.get("fallback_reviewer")
    if fallback is None:
        errors["fallback_reviewer"] = _("A fallback reviewer is required.")
    elif not fallback.is_active:
        errors["fallback_reviewer"] = _("The fallback reviewer is deactivated.")
    if values.get("cadence") not in Cadence.values:
        errors["cadence"] = _("Choose a cadence.")
    if values.get("start_date") is None:
        errors["start_date"] = _("Give the date of the first campaign.")
    duration = values.get("duration_days")
    if duration is None or duration < 1:
        errors["duration_days"] = _("A campaign lasts at least one day.")
    reminders = values.get("reminder_days_before_due")
    if not isinstance(reminders, list) or any(
        not isinstance(days, int) or isinstance(days, bool) or days < 1 for days in reminders
    ):
        errors["reminder_days_before_due"] = _("Reminder days must be whole numbers of days, 1 or more.")
    share = values.get("auto_revoke_confirm_share")
    if share is None or not Decimal(0) <= Decimal(str(share)) <= Decimal(1):
        errors["auto_revoke_confirm_share"] = _("The share is between 0 and 1 (0.2 is 20%).")
    if any(env not in Environment.values for env in values.get("environments") or []):
        errors["environments"] = _("Unknown environment.")
    if values.get("default_decision") not in DefaultDecision.values:
        errors["default_decision"] = _("Choose a default decision.")
    if errors:
        raise ValidationError(errors)


def _snapshot(policy: ReviewPolicy) -> dict:
    data = {name: getattr(policy, name) for name in EDITABLE_FIELDS}
    for name in ("named_reviewer", "fallback_reviewer"):
        data[name] = data[name].email if data[name] else None
    data["auto_revoke_confirm_share"] = str(data["auto_revoke_confirm_share"])
    data["systems"] = sorted(policy.systems.values_list("name", flat=True))
    data["enabled"] = policy.enabled
    data["next_run_at"] = policy.next_run_at
    return data


@transaction.atomic
def policy_create(*, actor, values: dict, systems=(), now: datetime) -> ReviewPolicy:
    """Create a policy, disabled: enabling is its own step, with the revoke safety check."""
    values = {name: values.get(name) for name in EDITABLE_FIELDS if name in values}
    values.setdefault("reminder_days_before_due", [])
    values.setdefault("auto_revoke_confirm_share", Decimal("0.2"))
    values.setdefault("default_decision", DefaultDecision.FLAG)
    validate_policy(values)
    if ReviewPolicy.objects.filter(name__iexact=values["name"].strip()).exists():
        raise ValidationError({"name": _("A policy with this name exists.")})
    values["name"] = values["name"].strip()
    policy = ReviewPolicy.objects.create(**values, enabled=False, created_by=actor)
    policy.systems.set(systems)
    audit.record(
        action="access.policy.create", actor=actor, obj=policy, changes={"created": _snapshot(policy)}
    )
    return policy


@transaction.atomic
def policy_update(*, actor, policy: ReviewPolicy, values: dict, systems=(), now: datetime) -> ReviewPolicy:
    """Change a policy. An enabled policy that revokes by default cannot widen into revoking without the
    confirmation step: changing its scope or default decision to revoke requires disabling it first."""
    # Lock the row: the tick may be launching this policy right now and advancing next_run_at.
    policy = ReviewPolicy.objects.select_for_update().get(pk=policy.pk)
    before = _snapshot(policy)
    merged = {name: getattr(policy, name) for name in EDITABLE_FIELDS}
    merged.update({name: value for name, value in values.items() if name in EDITABLE_FIELDS})
    validate_policy(merged)
    if ReviewPolicy.objects.filter(name__iexact=merged["name"].strip()).exclude(pk=policy.pk).exists():
        raise ValidationError({"name": _("A policy with this name exists.")})
    new_system_ids = sorted(system.pk for system in systems)
    old_system_ids = sorted(policy.systems.values_list("pk", flat=True))
    scope_changed = (
        new_system_ids != old_system_ids
        or sorted(merged["environments"] or []) != sorted(policy.environments or [])
        or merged["privileged_only"] != policy.privileged_only
    )
    widens_revocation = policy.default_decision != DefaultDecision.REVOKE or scope_changed
    if policy.enabled and merged["default_decision"] == DefaultDecision.REVOKE and widens_revocation:
        raise ValidationError(
            {
                "default_decision": _(
                    "This enabled policy would revoke undecided grants: disable it first, "
                    "change it, then enable it again to confirm how many grants it would revoke."
                )
            }
        )
    merged["name"] = merged["name"].strip()
    for name, value in merged.items():
        setattr(policy, name, value)
    if policy.enabled:
        policy.next_run_at = compute_next_run_at(policy, now=now)
    policy.save()
    policy.systems.set(systems)
    changes = audit.diff(before, _snapshot(policy))
    if changes:
        audit.record(action="access.policy.update", actor=actor, obj=policy, changes=changes)
    return policy


@transaction.atomic
def policy_enable(
    *, actor, policy: ReviewPolicy, now: datetime, confirmed_count: int | None = None
) -> ReviewPolicy:
    """Switch a policy on and schedule its next campaign. A policy that revokes by default needs the count of
    grants it would revoke today confirmed: ``confirmed_count`` must equal it (a stale count asks again)."""
    # Lock the row: a double submit must write one event and one schedule.
    policy = ReviewPolicy.objects.select_for_update().get(pk=policy.pk)
    if policy.enabled:
        return policy
    exposure = None
    if policy.default_decision == DefaultDecision.REVOKE:
        exposure = revoke_exposure(policy)
        if confirmed_count != exposure:
            raise ValidationError(
                f"This policy revokes every grant nobody decides on: today that is {exposure} grant"
                f"{'s' if exposure != 1 else ''}. Confirm this number to enable it."
            )
    if not policy.fallback_reviewer.is_active:
        raise ValidationError(_("The fallback reviewer is deactivated: choose another one first."))
    policy.enabled = True
    policy.next_run_at = compute_next_run_at(policy, now=now)
    policy.save(update_fields=["enabled", "next_run_at"])
    changes = {"enabled": [False, True], "next_run_at": [None, policy.next_run_at]}
    if exposure is not None:
        changes["revoke_exposure_confirmed"] = exposure
    audit.record(action="access.policy.enable", actor=actor, obj=policy, changes=changes)
    return policy


@transaction.atomic
def policy_disable(*, actor, policy: ReviewPolicy) -> ReviewPolicy:
    """Switch a policy off: no further campaigns; running campaigns carry on."""
    policy = ReviewPolicy.objects.select_for_update().get(pk=policy.pk)
    if not policy.enabled:
        return policy
    before = policy.next_run_at
    policy.enabled = False
    policy.next_run_at = None
    policy.save(update_fields=["enabled", "next_run_at"])
    audit.record(
        action="access.policy.disable",
        actor=actor,
        obj=policy,
        changes={"enabled": [True, False], "next_run_at": [before, None]},
    )
    return policy
