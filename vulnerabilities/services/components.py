"""Writes of a system's component inventory: a component typed in or removed, and the import of a CycloneDX
SBOM (JSON), which replaces the system's inventory and records the difference.

An SBOM is checked whole before anything changes: JSON, a CycloneDX document of a supported specification
version, valid against that version's schema (``cyclonedx-python-lib``'s validator), then parsed by the
library. Any problem is a ``ValidationError`` naming it, and nothing changes.

The difference: components are matched by identity (the package URL without version and qualifiers, else
the name and ecosystem). A package that appears once in the SBOM and once in the inventory with another
version or licence is *changed* (the row is updated and shows the SBOM as its source; its vulnerabilities
stay linked and keep the version they were found in); otherwise components are matched by identity and
version, and what is left is *added* or *removed*. A removed component keeps its row (``removed_at``), so
the vulnerabilities found in it still name it. One audit event on the system lists the difference (the page
shows the latest).
"""

import datetime
import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from cyclonedx.model.bom import Bom
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from packageurl import PackageURL

from access.models import System
from dpms import audit
from vulnerabilities.choices import ComponentSource
from vulnerabilities.models import Component
from vulnerabilities.queries.components import SBOM_ACTION, may_change_components

MAX_SBOM_BYTES = 20 * 1024 * 1024
AUDIT_LIST_LIMIT = 200  # names listed per kind of difference in the audit event; the counts are always whole
SUPPORTED_VERSIONS = ("1.2", "1.3", "1.4", "1.5", "1.6")


@dataclass(frozen=True)
class ParsedComponent:
    name: str
    version: str
    ecosystem: str
    purl: str
    licence: str

    @property
    def identity(self) -> str:
        return identity_of(self.purl, self.name, self.ecosystem)

    @property
    def label(self) -> str:
        return f"{self.name} {self.version}".strip()


@dataclass
class SbomDifference:
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    unchanged: int = 0

    def as_changes(self) -> dict:
        return {
            "added_count": len(self.added),
            "removed_count": len(self.removed),
            "changed_count": len(self.changed),
            "unchanged_count": self.unchanged,
            "added": self.added[:AUDIT_LIST_LIMIT],
            "removed": self.removed[:AUDIT_LIST_LIMIT],
            "changed": self.changed[:AUDIT_LIST_LIMIT],
        }


def identity_of(purl: str, name: str, ecosystem: str) -> str:
    """What stays the same across versions of a package: its package URL without version and qualifiers."""
    if purl:
        try:
            parsed = PackageURL.from_string(purl)
        except ValueError:
            return purl.split("@", 1)[0].lower()
        return PackageURL(type=parsed.type, namespace=parsed.namespace, name=parsed.name).to_string().lower()
    return f"{ecosystem.lower()}:{name.lower()}"


def _ecosystem(purl: str) -> str:
    try:
        return PackageURL.from_string(purl).type if purl else ""
    except ValueError:
        return ""


def _licence(licenses) -> str:
    names = []
    for entry in licenses or ():
        text = getattr(entry, "id", None) or getattr(entry, "name", None) or getattr(entry, "value", None)
        if text:
            names.append(str(text))
    return " AND ".join(sorted(set(names)))[:300]


def _flatten(components):
    for component in components or ():
        yield component
        yield from _flatten(getattr(component, "components", None))


def _problem(message: str) -> ValidationError:
    return ValidationError({"sbom": message})


def parse_sbom(data: bytes) -> list[ParsedComponent]:
    """The components of a CycloneDX JSON SBOM (nested ones too, each once), or a ValidationError on ``sbom``
    saying what is wrong."""
    if len(data) > MAX_SBOM_BYTES:
        raise _problem(_("The file is larger than %(size)s MB.") % {"size": MAX_SBOM_BYTES // (1024 * 1024)})
    try:
        text = data.decode("utf-8-sig")
        document = json.loads(text)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise _problem(
            _("This is not JSON (%(error)s). Export the SBOM as CycloneDX JSON.") % {"error": error}
        ) from None
    if not isinstance(document, dict) or document.get("bomFormat") != "CycloneDX":
        raise _problem(_('This is not a CycloneDX SBOM: its "bomFormat" is not "CycloneDX".'))
    version = document.get("specVersion")
    if version not in SUPPORTED_VERSIONS:
        raise _problem(
            _("CycloneDX specification version %(version)s is not supported (supported: %(supported)s).")
            % {"version": repr(version), "supported": ", ".join(SUPPORTED_VERSIONS)}
        )
    invalid = JsonValidator(SchemaVersion.from_version(version)).validate_str(text)
    if invalid is not None:
        detail = getattr(invalid.data, "message", str(invalid))
        where = "/".join(str(part) for part in getattr(invalid.data, "absolute_path", ()))
        raise _problem(
            _("The SBOM does not follow CycloneDX %(version)s: %(detail)s (at %(where)s).")
            % {"version": version, "detail": detail, "where": where}
            if where
            else _("The SBOM does not follow CycloneDX %(version)s: %(detail)s.")
            % {"version": version, "detail": detail}
        )
    try:
        bom = Bom.from_json(document)  # type: ignore[attr-defined]
    except Exception as error:  # noqa: BLE001 - the library's errors have no common base; all mean "malformed"
        raise _problem(_("The SBOM could not be read: %(error)s.") % {"error": error}) from None
    found: dict[tuple[str, str], ParsedComponent] = {}
    for component in _flatten(bom.components):
        purl = str(component.purl) if component.purl else ""
        parsed = ParsedComponent(
            name=str(component.name)[:300],
            version=str(component.version or "")[:100],
            ecosystem=_ecosystem(purl)[:50],
            purl=purl[:1000],
            licence=_licence(component.licenses),
        )
        found.setdefault((parsed.identity, parsed.version), parsed)
    return list(found.values())


def _require(actor, system: System) -> None:
    if actor is not None and not may_change_components(actor, system):
        raise PermissionDenied(_("Only security officers and the system's owner change its components."))


def _match(incoming: list[ParsedComponent], current: list[Component]):
    """Pairs (parsed, row) that are the same package, and what is left on each side."""
    by_identity_in: dict[str, list[ParsedComponent]] = defaultdict(list)
    by_identity_now: dict[str, list[Component]] = defaultdict(list)
    for parsed in incoming:
        by_identity_in[parsed.identity].append(parsed)
    for row in current:
        by_identity_now[identity_of(row.purl, row.name, row.ecosystem)].append(row)
    pairs: list[tuple[ParsedComponent, Component]] = []
    added: list[ParsedComponent] = []
    removed: list[Component] = []
    for identity in by_identity_in.keys() | by_identity_now.keys():
        new, old = by_identity_in.get(identity, []), by_identity_now.get(identity, [])
        if len(new) == 1 and len(old) == 1:
            pairs.append((new[0], old[0]))
            continue
        old_by_version = {row.version: row for row in old}
        for parsed in new:
            found = old_by_version.pop(parsed.version, None)
            if found is None:
                added.append(parsed)
            else:
                pairs.append((parsed, found))
        removed.extend(old_by_version.values())
    return pairs, added, removed


@transaction.atomic
def sbom_import(
    *, actor, system: System, data: bytes, filename: str = "", now: datetime.datetime | None = None
) -> SbomDifference:
    """Replace ``system``'s inventory with the SBOM's components and record the difference (audited).
    Everything is checked first: a malformed SBOM changes nothing."""
    _require(actor, system)
    parsed = parse_sbom(data)
    now = now or timezone.now()
    # Lock the system row: two imports of the same system at once would each compute a difference against
    # an inventory the other is changing.
    System.objects.select_for_update().filter(pk=system.pk).first()
    current = list(Component.objects.filter(system=system, removed_at__isnull=True))
    gone = {
        (identity_of(row.purl, row.name, row.ecosystem), row.version): row
        for row in Component.objects.filter(system=system, removed_at__isnull=False)
    }
    pairs, added, removed = _match(parsed, current)
    difference = SbomDifference()
    updates = []
    for new, row in pairs:
        before = str(row)
        if (row.version, row.licence, row.purl, row.name) != (new.version, new.licence, new.purl, new.name):
            difference.changed.append(f"{before} → {new.label}")
            row.version, row.licence, row.purl, row.name = new.version, new.licence, new.purl, new.name
            row.ecosystem, row.updated_at = new.ecosystem or row.ecosystem, now
            row.source = ComponentSource.SBOM  # what it is now came from this import
            updates.append(row)
        else:
            difference.unchanged += 1
    # Removed first: a package whose row moves to another version must not collide with itself.
    for row in removed:
        row.removed_at = row.updated_at = now
        difference.removed.append(str(row))
    Component.objects.bulk_update(removed, ["removed_at", "updated_at"], batch_size=1000)
    Component.objects.bulk_update(
        updates, ["version", "licence", "purl", "name", "ecosystem", "source", "updated_at"], batch_size=1000
    )
    creates = []
    for new in added:
        back = gone.get((new.identity, new.version))
        if back is not None:  # listed again: the old row (and its vulnerabilities) comes back
            back.removed_at, back.updated_at, back.licence, back.purl = None, now, new.licence, new.purl
            back.source = ComponentSource.SBOM
            back.save(update_fields=["removed_at", "updated_at", "licence", "purl", "source"])
        else:
            creates.append(
                Component(
                    system=system, name=new.name, version=new.version, ecosystem=new.ecosystem,
                    purl=new.purl, licence=new.licence, source=ComponentSource.SBOM, created_at=now,
                    updated_at=now,
                )
            )  # fmt: skip
        difference.added.append(new.label)
    Component.objects.bulk_create(creates, batch_size=1000)
    for names in (difference.added, difference.removed, difference.changed):
        names.sort(key=str.lower)
    audit.record(
        action=SBOM_ACTION,
        actor=actor,
        obj=system,
        changes={
            "file": filename[:200],
            "sha256": hashlib.sha256(data).hexdigest(),
            "components": len(parsed),
            **difference.as_changes(),
        },
    )
    return difference


@transaction.atomic
def component_add(
    *,
    actor,
    system: System,
    name: str,
    version: str = "",
    ecosystem: str = "",
    purl: str = "",
    licence: str = "",
) -> Component:
    """Type in a component of ``system`` (audited); the same package URL (or name and version) twice is
    refused, and a removed one comes back."""
    _require(actor, system)
    name, version, purl = " ".join((name or "").split()), (version or "").strip(), (purl or "").strip()
    if not name:
        raise ValidationError({"name": _("This field is required.")})
    if purl:
        try:
            PackageURL.from_string(purl)
        except ValueError as error:
            raise ValidationError({"purl": _("Not a package URL: %(error)s.") % {"error": error}}) from None
    same = Component.objects.filter(system=system)
    same = same.filter(purl=purl) if purl else same.filter(purl="", name=name, version=version)
    existing = same.first()
    now = timezone.now()
    if existing is not None and existing.removed_at is None:
        raise ValidationError(
            {"name": _("%(component)s is already in this system's inventory.") % {"component": existing}}
        )
    if existing is not None:
        existing.removed_at, existing.updated_at = None, now
        existing.save(update_fields=["removed_at", "updated_at"])
        component = existing
    else:
        component = Component.objects.create(
            system=system, name=name, version=version, ecosystem=(ecosystem or _ecosystem(purl)).strip(),
            purl=purl, licence=(licence or "").strip(), source=ComponentSource.MANUAL, created_at=now,
            updated_at=now,
        )  # fmt: skip
    audit.record(
        action="vulnerabilities.component.add",
        actor=actor,
        obj=component,
        changes={"system": system.name, "purl": purl, "version": version},
    )
    return component


@transaction.atomic
def component_remove(*, actor, component: Component) -> Component:
    """Take a component out of the inventory (its row stays for the vulnerabilities naming it). Audited."""
    _require(actor, component.system)
    if component.removed_at is None:
        component.removed_at = component.updated_at = timezone.now()
        component.save(update_fields=["removed_at", "updated_at"])
        audit.record(
            action="vulnerabilities.component.remove",
            actor=actor,
            obj=component,
            changes={"system": component.system.name},
        )
    return component
