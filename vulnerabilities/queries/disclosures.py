"""Reads of the disclosure intake: the policy shown on the public form, the system reports are filed on, a
report found by its private link, what its reporter may see of it, and who handles reports.

A reporter sees only their own report, only through its link, and of it only what they sent and the status
changes of its vulnerability (when, from what to what): no names, notes or anything else of the register.
Security officers edit the policy and revoke links; officers and auditors read the reports.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy

from access.models import System
from dpms.models import AuditEvent
from dpms.tokens import secret_matches, split_token
from vulnerabilities.choices import VulnerabilityStatus
from vulnerabilities.models import Disclosure, DisclosurePolicy

DEFAULT_POLICY = gettext_lazy(
    "We welcome reports of security vulnerabilities in our services and treat them first.\n\n"
    "Please:\n"
    "- describe what you found, where, and how to reproduce it, so we can confirm it quickly;\n"
    "- give us a reasonable time to fix it before you tell anyone else (we aim for 90 days, sooner for what "
    "is easy to exploit);\n"
    "- test only with accounts and data of your own, and stop as soon as you see other people's data: do not "
    "keep, change or share it;\n"
    "- do not run tests that degrade our services (denial of service, spam, social engineering, physical "
    "access).\n\n"
    "We will:\n"
    "- confirm that we received your report within three working days and keep you informed through the "
    "private link you receive;\n"
    "- not take legal action against research done in good faith within this policy;\n"
    "- credit you when the fix is published, if you wish.\n"
)

# The object type of a vulnerability in the audit trail (its status changes are the reporter's timeline).
VULNERABILITY_TYPE = "vulnerabilities.vulnerability"


def disclosure_policy() -> DisclosurePolicy:
    """The policy shown on the report page (the row, or the default text while nobody has edited it)."""
    return DisclosurePolicy.objects.filter(pk=1).first() or DisclosurePolicy(pk=1, text=str(DEFAULT_POLICY))


def may_edit_disclosure_policy(user) -> bool:
    return bool(user.is_authenticated and user.is_active and user.is_security_officer)


def may_read_disclosures(user) -> bool:
    """The list of reports from outside: security officers and auditors."""
    return bool(user.is_authenticated and user.is_active and (user.is_security_officer or user.is_auditor))


def may_revoke_link(user) -> bool:
    return may_edit_disclosure_policy(user)


def require(allowed: bool, why: str) -> None:
    if not allowed:
        raise PermissionDenied(why)


def intake_system() -> System | None:
    """The system reports are filed on until triage names the right one: ``DISCLOSURE_SYSTEM`` by name, else
    the portal's own system (what the public form belongs to); None when neither exists."""
    name = settings.DISCLOSURE_SYSTEM
    systems = System.objects.select_related("owner")
    return systems.filter(name=name).first() if name else systems.filter(is_portal=True).first()


def disclosure_for_link(token: str) -> Disclosure | None:
    """The report a private link names, or None (malformed, unknown, revoked): one query, the secret compared
    in constant time."""
    parts = split_token(token or "", "")
    if parts is None:
        return None
    prefix, secret = parts
    disclosure = (
        Disclosure.objects.select_related("vulnerability")
        .filter(token_prefix=prefix, link_revoked_at__isnull=True)
        .first()
    )
    if disclosure is None or not secret_matches(disclosure.token_hash, secret):
        return None
    return disclosure


def status_changes(disclosure: Disclosure) -> list[dict]:
    """The status changes of the report's vulnerability, oldest first: ``at``, ``before``, ``after`` (labels),
    read from its audit events (one query) and nothing else of them."""
    events = (
        AuditEvent.objects.filter(object_type=VULNERABILITY_TYPE, object_id=str(disclosure.vulnerability_id))
        .filter(changes__has_key="status")
        .order_by("sequence")
        .only("occurred_at", "changes")
    )
    labels = dict(VulnerabilityStatus.choices)
    changes = []
    for event in events:
        pair = event.changes.get("status")
        if isinstance(pair, list) and len(pair) == 2:
            before, after = (labels.get(value, value) for value in pair)
            changes.append({"at": event.occurred_at, "before": before, "after": after})
    return changes


def disclosures_for_user(user):
    """The reports from outside, newest first, with their vulnerability, system and incident."""
    require(
        may_read_disclosures(user), gettext("Only security officers and auditors read reports from outside.")
    )
    return Disclosure.objects.select_related("vulnerability__system", "incident").order_by(
        "-submitted_at", "-pk"
    )


def get_disclosure_for_user(user, pk) -> Disclosure:
    return get_object_or_404(disclosures_for_user(user), pk=pk)
