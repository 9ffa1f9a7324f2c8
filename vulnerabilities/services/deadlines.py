"""Remediation deadlines by criticality: the due date of a vulnerability, the policy's changes, and the tick
steps that remind owners before the deadline and escalate after it.

The deadline is a day in the calendar of the vulnerability's owner (else its system's owner, else the
installation's zone): the policy's days for its severity, counted from the day it was triaged (or first
seen, as the policy says), ending at the end of that day in their zone, stored in UTC. A production system
holding personal data (classified confidential or strictly confidential) gets half the days (rounded up)
while the policy says so. No severity (not scored yet, or "none"), or no clock start yet (not triaged while
the clock runs from triage): no deadline.

Tick steps (``step(*, now) -> int``), each safe to run twice, on several workers, and late:

- ``remind_before_due``: open vulnerabilities within ``reminder_days_before_due`` of their deadline, one
  digest per owner listing them; each vulnerability is reminded once (``reminded_at``).
- ``escalate_overdue``: past the deadline, the owner gets one digest of their newly overdue vulnerabilities
  (level 1) and each breach is announced (``vulnerability.deadline_breached``: access opens a finding on the
  system); ``escalate_to_officers_after_days`` later the security officers get one digest (level 2). A tick
  after downtime does both at once for what is due, each once.
- ``register.reopen_expired_acceptances``: a risk acceptance past its expiry puts the vulnerability back
  to triaged.

A person is told at most once per step and day (the digests' keys); items that found their person already
told today wait for the next day's digest rather than being marked done unseen.
"""

import datetime
import math
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction
from django.utils import formats
from django.utils.translation import gettext, gettext_lazy

from access.choices import DataClassification, Environment
from dpms import audit, portal
from dpms.models import Notification, User
from dpms.notify import Digest, claim_digest_recipients, digest_each
from vulnerabilities.choices import OPEN_STATUSES, DeadlineClock, Severity
from vulnerabilities.models import RemediationPolicy, Vulnerability
from vulnerabilities.queries.deadlines import current_policy, deadline_holder, zone_of

PERSONAL_DATA = (DataClassification.CONFIDENTIAL, DataClassification.STRICTLY_CONFIDENTIAL)
REGISTER_LINK = "/vulnerabilities/"
BREACHED = "vulnerability.deadline_breached"
SETTLED = "vulnerability.deadline_settled"
POLICY_FIELDS = (
    "critical_days",
    "high_days",
    "medium_days",
    "low_days",
    "clock_from",
    "halve_for_production_personal_data",
    "reminder_days_before_due",
    "escalate_to_officers_after_days",
)


def days_allowed(vulnerability: Vulnerability, policy: RemediationPolicy) -> int | None:
    """The days the policy gives ``vulnerability`` (its system fetched with it), or None: no deadline."""
    days = policy.days_for(vulnerability.severity)
    if days is None:
        return None
    system = vulnerability.system
    if (
        policy.halve_for_production_personal_data
        and system.environment == Environment.PRODUCTION
        and system.data_classification in PERSONAL_DATA
    ):
        days = math.ceil(days / 2)
    return days


def due_at_for(
    vulnerability: Vulnerability, *, policy: RemediationPolicy | None = None
) -> datetime.datetime | None:
    """The deadline of ``vulnerability`` under ``policy`` (the current one by default), in UTC; None when
    it has none."""
    policy = policy or current_policy()
    days = days_allowed(vulnerability, policy)
    start: datetime.datetime | None = vulnerability.first_seen_at
    if policy.clock_from == DeadlineClock.TRIAGED:
        start = vulnerability.triaged_at
    if days is None or start is None:
        return None
    zone = zone_of(deadline_holder(vulnerability))
    last_day = start.astimezone(zone).date() + datetime.timedelta(days=days)
    end = datetime.datetime.combine(last_day, datetime.time(23, 59, 59), tzinfo=zone)
    return end.astimezone(datetime.UTC)


def set_due(vulnerability: Vulnerability, *, now: datetime.datetime, policy=None) -> list[str]:
    """Work out the deadline again (after a change of severity, triage, owner or policy) and, when it
    moved, forget the reminder and escalation that were about the old one. Returns the fields changed; the
    caller saves them, and when "breached_at" is among them (the new deadline undoes a breach) calls
    ``settle_breach`` after the save."""
    due = due_at_for(vulnerability, policy=policy)
    if due == vulnerability.due_at:
        return []
    vulnerability.due_at = due
    changed = ["due_at"]
    if vulnerability.reminded_at is not None:
        vulnerability.reminded_at = None
        changed.append("reminded_at")
    if due is None or due > now:
        if vulnerability.escalation_level:
            vulnerability.escalation_level = 0
            changed.append("escalation_level")
        if vulnerability.breached_at is not None:
            vulnerability.breached_at = None
            changed.append("breached_at")  # the caller settles the breach once the row is saved
    return changed


def settle_breach(vulnerability: Vulnerability) -> None:
    """When ``vulnerability`` (saved) no longer breaches its deadline (settled, or a later deadline) and no
    other vulnerability of its system does, announce it: access resolves the system's finding."""
    others = Vulnerability.objects.filter(
        system_id=vulnerability.system_id, status__in=OPEN_STATUSES, breached_at__isnull=False
    ).exclude(pk=vulnerability.pk)
    if not others.exists():
        portal.announce(SETTLED, system=vulnerability.system, vulnerability=vulnerability)


@transaction.atomic
def policy_update(*, actor, now: datetime.datetime, **values) -> RemediationPolicy:
    """Change the remediation policy (security officers; the view asks) and move the deadlines of every
    open vulnerability to it. Audited with what changed."""
    unknown = set(values) - set(POLICY_FIELDS)
    if unknown:
        raise ValueError(f"Not a field of the remediation policy: {sorted(unknown)}")
    policy, _ = RemediationPolicy.objects.select_for_update().get_or_create(pk=1)
    changes = {
        name: [getattr(policy, name), value]
        for name, value in values.items()
        if getattr(policy, name) != value
    }
    if not changes:
        return policy
    for name, value in values.items():
        setattr(policy, name, value)
    policy.updated_by, policy.updated_at = actor, now
    policy.full_clean()
    policy.save()
    moved = redue_open(policy=policy, now=now)
    audit.record(
        action="vulnerabilities.policy.update",
        actor=actor,
        obj=policy,
        changes={**changes, "deadlines_moved": moved},
    )
    return policy


def redue_open(*, policy: RemediationPolicy, now: datetime.datetime, system=None) -> int:
    """Set the deadlines of the open vulnerabilities (of ``system``, or all) under ``policy``; returns how
    many moved. Reads them in batches, writes the moved ones in one bulk update per batch."""
    rows = Vulnerability.objects.filter(status__in=OPEN_STATUSES).select_related("system__owner", "owner")
    if system is not None:
        rows = rows.filter(system=system)
    moved, settled = [], []
    for vulnerability in rows.select_for_update(of=("self",)).order_by("pk").iterator(chunk_size=2000):
        changed = set_due(vulnerability, now=now, policy=policy)
        if changed:
            moved.append(vulnerability)
        if "breached_at" in changed:
            settled.append(vulnerability)
    Vulnerability.objects.bulk_update(
        moved, ["due_at", "reminded_at", "escalation_level", "breached_at"], batch_size=1000
    )
    for vulnerability in settled:
        settle_breach(vulnerability)
    return len(moved)


# --- Tick steps ---------------------------------------------------------------------------------------------
def _line(vulnerability_row: dict, zone_for) -> Callable[[User], str]:
    """A digest's line, written out in its reader's language (notify renders it for each recipient): the
    severity's name and the day it is due in the holder's time zone, as that language writes a date."""
    due = vulnerability_row["due_at"].astimezone(zone_for(vulnerability_row)).date()
    severity = vulnerability_row["severity"]

    def line(person: User) -> str:
        label = Severity(severity).label if severity in Severity.values else severity
        return gettext("%(reference)s %(title)s · %(system)s · %(severity)s · due %(date)s") % {
            "reference": vulnerability_row["reference"],
            "title": vulnerability_row["title"],
            "system": vulnerability_row["system__name"],
            "severity": str(label).lower(),
            "date": formats.date_format(due, "DATE_FORMAT"),
        }

    return line


ROW_FIELDS = (
    "pk",
    "reference",
    "title",
    "system__name",
    "severity",
    "due_at",
    "owner_id",
    "owner__time_zone",
)


def _owner_digests(rows: list[dict]) -> list[Digest]:
    """One digest per owner of ``rows`` (the link: the register filtered to their overdue or due items)."""
    by_owner: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        by_owner[row["owner_id"]].append(row)
    people = User.objects.filter(pk__in=by_owner).only("email", "is_active", "time_zone").in_bulk()

    def zone(row):
        return zone_of(people[row["owner_id"]])

    return [
        Digest(
            recipient=people[owner_id],
            texts=[_line(row, zone) for row in mine],
            total=len(mine),
            link=f"{REGISTER_LINK}?mine=1",
        )
        for owner_id, mine in by_owner.items()
    ]


def remind_before_due(*, now: datetime.datetime) -> int:
    """Tick step: remind owners of their open vulnerabilities due within the policy's days (each once)."""
    policy = current_policy()
    if not policy.reminder_days_before_due:
        return 0
    window = now + datetime.timedelta(days=policy.reminder_days_before_due)
    with transaction.atomic():
        items = Vulnerability.objects.filter(
            status__in=OPEN_STATUSES, due_at__gt=now, due_at__lte=window, reminded_at__isnull=True
        )
        prefix = f"vulnerability-reminder:{now:%Y-%m-%d}"
        recipients = claim_digest_recipients(items, person_field="owner_id", dedup_prefix=prefix)
        if not recipients:
            return 0
        rows = list(
            items.filter(owner_id__in=recipients)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at", "pk")
            .values(*ROW_FIELDS)
        )
        sent = digest_each(
            _owner_digests(rows),
            subject=gettext_lazy("Vulnerabilities due soon"),
            intro=gettext_lazy(
                "These vulnerabilities reach their remediation deadline soon: fix them, or say why not."
            ),
            dedup_prefix=prefix,
            more_link=REGISTER_LINK,
        )
        Vulnerability.objects.filter(pk__in=[row["pk"] for row in rows]).update(reminded_at=now)
    return sent


def escalate_overdue(*, now: datetime.datetime) -> int:
    """Tick step: tell owners of their newly overdue vulnerabilities and announce each breach (level 1),
    then the security officers of those ``escalate_to_officers_after_days`` past due (level 2)."""
    return _escalate_to_owners(now) + _escalate_to_officers(now, current_policy())


def _escalate_to_owners(now: datetime.datetime) -> int:
    with transaction.atomic():
        overdue = Vulnerability.objects.filter(status__in=OPEN_STATUSES, due_at__lte=now, escalation_level=0)
        # Those without an owner: nobody to tell at level 1; they are breached all the same.
        ownerless = list(
            overdue.filter(owner__isnull=True)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("system")
        )
        prefix = f"vulnerability-overdue:{now:%Y-%m-%d}"
        recipients = claim_digest_recipients(overdue, person_field="owner_id", dedup_prefix=prefix)
        rows = list(
            overdue.filter(owner_id__in=recipients)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at", "pk")
            .values(*ROW_FIELDS)
        )
        sent = digest_each(
            _owner_digests(rows),
            subject=gettext_lazy("Vulnerabilities past their remediation deadline"),
            intro=gettext_lazy(
                "These vulnerabilities are past their remediation deadline; the security officers will "
                "be told if they stay open."
            ),
            dedup_prefix=prefix,
            more_link=REGISTER_LINK,
        )
        breached = ownerless + list(
            Vulnerability.objects.filter(pk__in=[row["pk"] for row in rows]).select_related("system")
        )
        _breach(breached, now)
    return sent


def _breach(vulnerabilities: list[Vulnerability], now: datetime.datetime) -> None:
    """Level 1 reached: record and announce each breach once (the finding is one per system)."""
    if not vulnerabilities:
        return
    Vulnerability.objects.filter(pk__in=[v.pk for v in vulnerabilities]).update(
        escalation_level=1, breached_at=now
    )
    audit.record_many(
        [
            {
                "action": "vulnerabilities.vulnerability.deadline_breached",
                "obj": vulnerability,
                "changes": {"due_at": vulnerability.due_at},
            }
            for vulnerability in vulnerabilities
        ]
    )
    for vulnerability in vulnerabilities:
        portal.announce(BREACHED, system=vulnerability.system, vulnerability=vulnerability)


def _escalate_to_officers(now: datetime.datetime, policy: RemediationPolicy) -> int:
    after = datetime.timedelta(days=policy.escalate_to_officers_after_days)
    prefix = f"vulnerability-escalation:{now:%Y-%m-%d}"
    with transaction.atomic():
        # One escalation digest per officer and day: items that fall due for it later in a day where the
        # officers were told already wait for the next day's digest.
        if Notification.objects.filter(dedup_key__startswith=f"{prefix}:").exists():
            return 0
        rows = list(
            Vulnerability.objects.filter(
                status__in=OPEN_STATUSES, due_at__lte=now - after, escalation_level__lt=2
            )
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("due_at", "pk")
            .values(*ROW_FIELDS, "escalation_level")
        )
        if not rows:
            return 0
        first_breach = [row["pk"] for row in rows if row["escalation_level"] == 0]
        officers = list(User.objects.security_officers())
        texts = [_line(row, lambda row: zone_of(None)) for row in rows]
        sent = digest_each(
            [
                Digest(recipient=o, texts=texts, total=len(rows), link=f"{REGISTER_LINK}?overdue=1")
                for o in officers
            ],
            subject=gettext_lazy("Overdue vulnerabilities escalated to the security officers"),
            intro=gettext_lazy("These vulnerabilities are past their remediation deadline and still open."),
            dedup_prefix=prefix,
            more_link=f"{REGISTER_LINK}?overdue=1",
        )
        # Straight from level 0 (a tick after downtime): the breach is announced here.
        _breach(list(Vulnerability.objects.filter(pk__in=first_breach).select_related("system")), now)
        Vulnerability.objects.filter(pk__in=[row["pk"] for row in rows]).update(escalation_level=2)
        audit.record_many(
            [
                {
                    "action": "vulnerabilities.vulnerability.escalated",
                    "object_type": "vulnerabilities.vulnerability",
                    "object_id": row["pk"],
                    "object_label": f"{row['reference']} {row['title']}",
                    "changes": {"escalation_level": [row["escalation_level"], 2]},
                }
                for row in rows
            ]
        )
    return sent
