"""The disclosure intake: a report from outside through the public form, what its reporter adds later through
their private link, the officers' revocation of that link and moving the report to the right system, and
the disclosure policy text.

A report is recorded as a vulnerability (source "disclosure", on the intake system until triage moves it:
``vulnerabilities.queries.disclosures.intake_system``) and, through the portal event
``vulnerability.disclosed``, as an incident of category "vulnerability report" that the incidents app files
for triage and tells the security officers about; the files go to that incident under the incident
attachment rules (checked there: a refused file refuses the whole report, and nothing is written). The
reporter gets the vulnerability's reference and a private link: a random token whose secret is stored only
as its SHA-256 (``dpms.tokens``), shown once.

Rate limits and the spam guards (a honeypot field, a minimum time to fill the form) are the public view's
(``vulnerabilities.views.security``): they are about the request, not the report.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.models import System
from dpms import audit, portal
from dpms.tokens import new_token
from incidents.models import Incident
from vulnerabilities.choices import VulnerabilitySource
from vulnerabilities.models import Disclosure, DisclosureMessage, DisclosurePolicy, Vulnerability
from vulnerabilities.queries.disclosures import intake_system, may_edit_disclosure_policy, may_revoke_link
from vulnerabilities.services import register
from vulnerabilities.services.deadlines import set_due

DISCLOSED = "vulnerability.disclosed"
UPDATED = "vulnerability.disclosure_updated"
TITLE_MAX = 180  # the incident's title adds "Vulnerability report: " within its 200
TEXT_MAX = 20_000
CONTACT_MAX = 300
PGP_START = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


def _text(value, *, field: str, limit: int, required: str = "", one_line: bool = False) -> str:
    text = " ".join((value or "").split()) if one_line else (value or "").strip()
    if required and not text:
        raise ValidationError({field: required})
    if len(text) > limit:
        raise ValidationError({field: _("Keep it to %(limit)s characters.") % {"limit": limit}})
    return text


def _description(*, location: str, steps: str, contact: str, pgp_key: str) -> str:
    parts = [f"Where: {location}", f"How to reproduce:\n{steps}", f"Reporter's contact: {contact}"]
    if pgp_key:
        parts.append("The reporter gave an OpenPGP key to encrypt replies with (on the report's page).")
    return "\n\n".join(parts)


@transaction.atomic
def disclosure_submit(
    *,
    title: str,
    location: str,
    steps: str,
    reporter_contact: str,
    pgp_key: str = "",
    uploads=(),
    now: datetime.datetime | None = None,
) -> tuple[Disclosure, str]:
    """Record a report from outside; returns it and the private link's token (shown once, never stored).

    The vulnerability, the incident (through ``vulnerability.disclosed``) and the report commit together,
    or, when anything is refused (a field, a file), none of them."""
    now = now or timezone.now()
    title = _text(
        title, field="title", limit=TITLE_MAX, required=_("Say in a line what you found."), one_line=True
    )
    location = _text(
        location, field="location", limit=2000, required=_("Say where: an address, a product, a page.")
    )
    steps = _text(steps, field="steps", limit=TEXT_MAX, required=_("Say how to reproduce it."))
    contact = _text(
        reporter_contact,
        field="reporter_contact",
        limit=CONTACT_MAX,
        required=_("Say how we reach you: an email address, or another way."),
        one_line=True,
    )
    pgp_key = _text(pgp_key, field="pgp_key", limit=TEXT_MAX)
    if pgp_key and not pgp_key.startswith(PGP_START):
        raise ValidationError(
            {
                "pgp_key": _("An OpenPGP public key in ASCII armour starts with %(start)s.")
                % {"start": PGP_START}
            }
        )
    system = intake_system()
    if system is None:
        raise ValidationError(
            _("Reports cannot be taken here right now: write to the contact in security.txt.")
        )
    description = _description(location=location, steps=steps, contact=contact, pgp_key=pgp_key)
    vulnerability = register.vulnerability_create(
        actor=None,
        system=system,
        title=title,
        source=VulnerabilitySource.DISCLOSURE,
        description=description,
        now=now,
    )
    uploads = list(uploads or ())
    filed = portal.announce(
        DISCLOSED,
        title=title,
        description=description,
        reporter_contact=contact,
        reference=vulnerability.reference,
        uploads=uploads,
        now=now,
    )
    incident = next((item for item in filed if isinstance(item, Incident)), None)
    prefix, secret_hash, token = new_token("")
    disclosure = Disclosure.objects.create(
        vulnerability=vulnerability,
        incident=incident,
        title=title,
        location=location,
        steps=steps,
        reporter_contact=contact,
        pgp_key=pgp_key,
        submitted_at=now,
        token_prefix=prefix,
        token_hash=secret_hash,
    )
    audit.record(
        action="vulnerabilities.disclosure.submit",
        actor=None,
        obj=disclosure,
        changes={
            "vulnerability": vulnerability.reference,
            "incident": incident.reference if incident else "",
            "system": system.name,
            "files": [upload.name for upload in uploads],
        },
    )
    return disclosure, token


@transaction.atomic
def disclosure_add_information(
    *, disclosure: Disclosure, text: str, uploads=(), now: datetime.datetime | None = None
) -> DisclosureMessage:
    """The reporter adds to their report through its link: kept with the report, and put on the incident's
    timeline with its files (``vulnerability.disclosure_updated``), whose handler or officers are told."""
    now = now or timezone.now()
    uploads = list(uploads or ())
    text = _text(text, field="text", limit=TEXT_MAX)
    if not text and not uploads:
        raise ValidationError({"text": _("Write something, or attach a file.")})
    locked = Disclosure.objects.select_for_update().get(pk=disclosure.pk)
    if locked.link_revoked_at is not None:
        raise PermissionDenied(_("This link was revoked."))
    incident = Incident.objects.filter(pk=locked.incident_id).first() if locked.incident_id else None
    portal.announce(UPDATED, incident=incident, text=text or "(files only)", uploads=uploads, now=now)
    message = DisclosureMessage.objects.create(
        disclosure=locked, text=text, file_names=[upload.name for upload in uploads], sent_at=now
    )
    audit.record(
        action="vulnerabilities.disclosure.add_information",
        actor=None,
        obj=locked,
        changes={"message": message.pk, "files": message.file_names},
    )
    return message


@transaction.atomic
def disclosure_revoke_link(
    *, actor, disclosure: Disclosure, now: datetime.datetime | None = None
) -> Disclosure:
    """A security officer ends the reporter's private link (it shows nothing from then on). Audited."""
    if not may_revoke_link(actor):
        raise PermissionDenied(_("Only security officers revoke a reporter's link."))
    now = now or timezone.now()
    claimed = Disclosure.objects.filter(pk=disclosure.pk, link_revoked_at__isnull=True).update(
        link_revoked_at=now, link_revoked_by=actor
    )
    if not claimed:
        raise ValidationError(_("This link was revoked already."))
    disclosure.refresh_from_db()
    audit.record(action="vulnerabilities.disclosure.revoke_link", actor=actor, obj=disclosure, changes={})
    return disclosure


@transaction.atomic
def disclosure_move(
    *, actor, disclosure: Disclosure, system: System, now: datetime.datetime | None = None
) -> Vulnerability:
    """A security officer files the report's vulnerability on the system it is about (from the intake
    system): its owner becomes that system's owner and its deadline follows that system's rules. Audited."""
    if not may_edit_disclosure_policy(actor):
        raise PermissionDenied(_("Only security officers move a report to another system."))
    now = now or timezone.now()
    # Locked: a triage or a second move at once acts on what this one leaves.
    row = (
        Vulnerability.objects.select_for_update(of=("self",))
        .select_related("system")
        .get(pk=disclosure.vulnerability_id)
    )
    if row.system_id == system.pk:
        return row
    clash = (
        Vulnerability.objects.filter(system=system, component=None, identifier=row.identifier)
        .exclude(identifier="")
        .exists()
    )
    if clash:
        raise ValidationError(
            {
                "system": _("%(identifier)s is already recorded on %(system)s.")
                % {"identifier": row.identifier, "system": system.name}
            }
        )
    before = row.system.name
    was_default_owner = row.owner_id == row.system.owner_id
    row.system = system
    if was_default_owner:
        row.owner = system.owner
    changed = set_due(row, now=now) if row.is_open else []
    row.updated_at = now
    row.save(update_fields=["system", "owner", "updated_at", *changed])
    audit.record(
        action="vulnerabilities.vulnerability.move",
        actor=actor,
        obj=row,
        changes={"system": [before, system.name], "owner": str(row.owner or ""), "due_at": row.due_at},
    )
    return row


@transaction.atomic
def disclosure_policy_update(*, actor, text: str, now: datetime.datetime | None = None) -> DisclosurePolicy:
    """A security officer changes the policy shown on the public report page. Audited with the change."""
    if not may_edit_disclosure_policy(actor):
        raise PermissionDenied(_("Only security officers edit the disclosure policy."))
    text = _text(text, field="text", limit=TEXT_MAX, required=_("The policy cannot be empty."))
    now = now or timezone.now()
    policy = DisclosurePolicy.objects.select_for_update().filter(pk=1).first()
    before = policy.text if policy else ""
    if policy is None:
        policy = DisclosurePolicy(pk=1)
    policy.text, policy.updated_by, policy.updated_at = text, actor, now
    policy.save()
    audit.record(
        action="vulnerabilities.disclosure_policy.update",
        actor=actor,
        obj=policy,
        changes={"text": [before, text]},
    )
    return policy
