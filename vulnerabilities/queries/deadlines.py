"""Reads of the remediation deadlines: the policy, who edits it, a person's time zone, and the overdue."""

import datetime
import zoneinfo

from django.conf import settings

from vulnerabilities.choices import OPEN_STATUSES
from vulnerabilities.models import RemediationPolicy, Vulnerability


def current_policy() -> RemediationPolicy:
    """The remediation policy (its one row; the defaults when the row is missing)."""
    return RemediationPolicy.objects.filter(pk=1).first() or RemediationPolicy(pk=1)


def may_edit_policy(user) -> bool:
    """Security officers set the remediation deadlines."""
    return bool(user.is_authenticated and user.is_active and user.is_security_officer)


def may_read_policy(user) -> bool:
    """Officers and auditors read the policy (an auditor compares remediation times against it)."""
    return bool(user.is_authenticated and user.is_active and (user.is_security_officer or user.is_auditor))


def zone_of(person) -> zoneinfo.ZoneInfo:
    """The person's time zone (the installation's when they have none, or none valid, or no person)."""
    try:
        return zoneinfo.ZoneInfo((person and person.time_zone) or settings.TIME_ZONE)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def deadline_holder(vulnerability: Vulnerability):
    """Whose calendar the deadline is a day of: the vulnerability's owner, else its system's."""
    return vulnerability.owner or vulnerability.system.owner


def overdue(vulnerabilities, now: datetime.datetime):
    """Of ``vulnerabilities``, those still open past their deadline."""
    return vulnerabilities.filter(status__in=OPEN_STATUSES, due_at__lte=now)
