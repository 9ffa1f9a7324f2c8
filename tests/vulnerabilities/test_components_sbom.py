"""A system's components: typed in, or replaced by a CycloneDX SBOM whose difference (added, removed,
changed) lands in the audit trail and on the page; a malformed SBOM is a clear error and changes nothing."""

import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from dpms.models import AuditEvent
from tests.vulnerabilities.factories import ComponentFactory, VulnerabilityFactory
from vulnerabilities.models import Component
from vulnerabilities.services import components

pytestmark = pytest.mark.django_db


def sbom(*packages, spec="1.5"):
    """A CycloneDX JSON SBOM of (name, version, ecosystem, licence) packages; the last nests a dependency."""
    listed = [
        {
            "type": "library",
            "bom-ref": f"{name}@{version}",
            "name": name,
            "version": version,
            "purl": f"pkg:{ecosystem}/{name}@{version}",
            "licenses": [{"license": {"id": licence}}],
        }
        for name, version, ecosystem, licence in packages
    ]
    document = {
        "bomFormat": "CycloneDX",
        "specVersion": spec,
        "serialNumber": "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
        "version": 1,
        "metadata": {"component": {"type": "application", "name": "payroll", "version": "4.2.0"}},
        "components": listed,
    }
    return json.dumps(document).encode()


FIRST = sbom(
    ("django", "5.2.1", "pypi", "BSD-3-Clause"),
    ("requests", "2.31.0", "pypi", "Apache-2.0"),
    ("left-pad", "1.3.0", "npm", "WTFPL"),
)
SECOND = sbom(
    ("django", "5.2.1", "pypi", "BSD-3-Clause"),  # unchanged
    ("requests", "2.32.3", "pypi", "Apache-2.0"),  # changed version
    ("urllib3", "2.2.2", "pypi", "MIT"),  # added
)  # left-pad removed


def _inventory(system):
    return sorted(str(c) for c in Component.objects.filter(system=system, removed_at__isnull=True))


def test_the_first_import_adds_every_component(owned_system, system_owner):
    difference = components.sbom_import(
        actor=system_owner, system=owned_system, data=FIRST, filename="a.json"
    )
    assert sorted(difference.added) == ["django 5.2.1", "left-pad 1.3.0", "requests 2.31.0"]
    assert _inventory(owned_system) == ["django 5.2.1", "left-pad 1.3.0", "requests 2.31.0"]
    requests = Component.objects.get(name="requests")
    assert (requests.ecosystem, requests.licence, requests.source) == ("pypi", "Apache-2.0", "sbom")


def test_a_reimport_replaces_the_inventory_and_records_the_difference(owned_system, system_owner):
    components.sbom_import(actor=system_owner, system=owned_system, data=FIRST)
    flaw = VulnerabilityFactory(system=owned_system, component=Component.objects.get(name="left-pad"))
    difference = components.sbom_import(
        actor=system_owner, system=owned_system, data=SECOND, filename="b.json"
    )
    assert difference.added == ["urllib3 2.2.2"]
    assert difference.removed == ["left-pad 1.3.0"]
    assert difference.changed == ["requests 2.31.0 → requests 2.32.3"]
    assert difference.unchanged == 1
    assert _inventory(owned_system) == ["django 5.2.1", "requests 2.32.3", "urllib3 2.2.2"]
    flaw.refresh_from_db()
    assert str(flaw.component) == "left-pad 1.3.0"  # the row stays for the vulnerability that names it
    event = AuditEvent.objects.filter(action="vulnerabilities.sbom.import").latest("sequence")
    assert event.changes["added"] == ["urllib3 2.2.2"]
    assert event.changes["removed_count"] == 1
    assert event.changes["file"] == "b.json"


def test_the_same_sbom_twice_changes_nothing(owned_system, system_owner):
    components.sbom_import(actor=system_owner, system=owned_system, data=FIRST)
    again = components.sbom_import(actor=system_owner, system=owned_system, data=FIRST)
    assert (again.added, again.removed, again.changed, again.unchanged) == ([], [], [], 3)


def test_a_component_listed_again_comes_back(owned_system, system_owner):
    components.sbom_import(actor=system_owner, system=owned_system, data=FIRST)
    components.sbom_import(actor=system_owner, system=owned_system, data=SECOND)
    components.sbom_import(actor=system_owner, system=owned_system, data=FIRST)
    assert Component.objects.filter(system=owned_system, name="left-pad").count() == 1
    assert "left-pad 1.3.0" in _inventory(owned_system)


TRUNCATED = FIRST[: len(FIRST) // 2]


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"name,version\ndjango,5.2", "This is not JSON"),
        (TRUNCATED, "This is not JSON"),
        (json.dumps({"spdxVersion": "SPDX-2.3"}).encode(), "not a CycloneDX SBOM"),
        (sbom(("django", "5.2.1", "pypi", "MIT"), spec="2.0"), "'2.0' is not supported"),
        (FIRST.replace(b'"name": "django"', b'"name": 42'), "does not follow CycloneDX 1.5"),
    ],
)
def test_a_malformed_sbom_is_a_clear_error_and_changes_nothing(owned_system, system_owner, data, says):
    components.sbom_import(actor=system_owner, system=owned_system, data=FIRST)
    before = _inventory(owned_system)
    with pytest.raises(ValidationError) as refused:
        components.sbom_import(actor=system_owner, system=owned_system, data=data)
    assert says in refused.value.error_dict["sbom"][0].message
    assert _inventory(owned_system) == before
    assert AuditEvent.objects.filter(action="vulnerabilities.sbom.import").count() == 1


# --- The page ----------------------------------------------------------------------------------------------
def _page(system):
    return reverse("vulnerabilities:system_components", args=[system.pk])


@pytest.mark.parametrize(("persona", "status"), [("staff", 404), ("admin", 404), ("auditor", 200),
                                                 ("security_officer", 200)])  # fmt: skip
def test_the_components_page_by_role(client_for, personas, owned_system, persona, status):
    assert client_for(personas[persona]).get(_page(owned_system)).status_code == status


def test_anonymous_is_sent_to_sign_in(client, owned_system):
    assert client.get(_page(owned_system)).status_code == 302


def test_the_owner_uploads_an_sbom_and_sees_the_difference(client_for, system_owner, owned_system):
    client = client_for(system_owner)
    url = reverse("vulnerabilities:sbom_upload", args=[owned_system.pk])
    assert client.post(url, {"sbom": SimpleUploadedFile("a.json", FIRST)}).status_code == 302
    assert client.post(url, {"sbom": SimpleUploadedFile("b.json", SECOND)}).status_code == 302
    page = client.get(_page(owned_system)).content.decode()
    assert "1 added, 1 removed, 1 changed, 1 unchanged." in page
    assert "requests 2.31.0 → requests 2.32.3" in page


def test_a_malformed_upload_is_a_form_error(client_for, system_owner, owned_system):
    url = reverse("vulnerabilities:sbom_upload", args=[owned_system.pk])
    response = client_for(system_owner).post(url, {"sbom": SimpleUploadedFile("a.json", TRUNCATED)})
    assert response.status_code == 400
    assert "This is not JSON" in response.content.decode()
    assert not Component.objects.exists()


def test_the_auditor_cannot_upload(client_for, auditor, owned_system):
    url = reverse("vulnerabilities:sbom_upload", args=[owned_system.pk])
    assert client_for(auditor).post(url, {"sbom": SimpleUploadedFile("a.json", FIRST)}).status_code == 403
    assert not Component.objects.exists()


def test_a_component_typed_in_and_the_same_again(client_for, system_owner, owned_system):
    client = client_for(system_owner)
    url = reverse("vulnerabilities:component_add", args=[owned_system.pk])
    values = {"name": "openssl", "version": "3.0.13", "purl": "pkg:deb/debian/openssl@3.0.13"}
    assert client.post(url, values).status_code == 302
    again = client.post(url, values)
    assert again.status_code == 400
    assert "already in this system" in again.content.decode()
    bad = client.post(url, {"name": "x", "purl": "not a purl"})
    assert bad.status_code == 400
    assert Component.objects.get().ecosystem == "deb"


@pytest.mark.parametrize("count", [3, 30])
def test_components_page_query_count_does_not_grow(client_for, security_officer, owned_system, count,
                                                    django_assert_num_queries):  # fmt: skip
    for number in range(count):
        Component.objects.create(system=owned_system, name=f"pkg{number}", version="1")
    client = client_for(security_officer)
    client.get(_page(owned_system))
    # 15: session and user (2); allauth's user-session tracking (5); the system with its owner (1); the
    # viewer's groups (1); the inventory (1); the latest SBOM import (1); the header's unread count (1);
    # saving the sliding session: savepoint, update, release (3). Nothing per component.
    with django_assert_num_queries(15):
        client.get(_page(owned_system))


# --- A vulnerability keeps the version it was found in ---------------------------------------------------
def test_a_vulnerability_keeps_its_version_when_an_sbom_moves_the_component_on(
    client_for, security_officer, system_owner, owned_system
):
    import csv
    import io

    from tests.dpms.api_support import api_client, token_for
    from vulnerabilities.services import register

    components.sbom_import(
        actor=system_owner, system=owned_system, data=sbom(("django", "4.2.7", "pypi", "BSD-3-Clause"))
    )
    django = Component.objects.get(system=owned_system, name="django")
    found = register.vulnerability_create(
        actor=security_officer, system=owned_system, component=django, identifier="CVE-2023-46695",
        title="Potential denial of service in UsernameField", source="scanner",
    )  # fmt: skip
    difference = components.sbom_import(
        actor=system_owner, system=owned_system, data=sbom(("django", "4.2.16", "pypi", "BSD-3-Clause"))
    )
    assert difference.changed == ["django 4.2.7 → django 4.2.16"]
    client = client_for(security_officer)
    system_page = client.get(reverse("access:system", args=[owned_system.pk])).content.decode()
    assert "in django 4.2.7" in system_page  # its open vulnerabilities (the inventory lists 4.2.16)
    assert "in django 4.2.16" not in system_page
    for url in (
        reverse("vulnerabilities:register"),
        reverse("vulnerabilities:vulnerability", args=[found.pk]),
    ):
        page = client.get(url).content.decode()
        assert "django 4.2.7" in page, url
        assert "django 4.2.16" not in page, url
    exported = client.get(reverse("vulnerabilities:register_csv"))
    rows = list(csv.DictReader(io.StringIO(b"".join(exported.streaming_content).decode("utf-8-sig"))))
    assert (rows[0]["component"], rows[0]["component_version"]) == ("django", "4.2.7")
    api = api_client(token_for(security_officer)[1])
    data = api.get(reverse("api:vulnerability-detail", args=[found.pk])).json()
    assert (data["component_name"], data["component_version"]) == ("django 4.2.7", "4.2.7")
    # The component itself now reads as the import's, not "Typed in".
    components_page = client.get(_page(owned_system)).content.decode()
    assert "django" in components_page
    assert "Typed in" not in components_page


def test_a_component_typed_in_then_changed_by_an_sbom_shows_the_import_as_its_source(
    owned_system, system_owner
):
    typed = components.component_add(
        actor=system_owner, system=owned_system, name="django", version="4.2.7", purl="pkg:pypi/django@4.2.7"
    )
    assert typed.get_source_display() == "Typed in"
    components.sbom_import(
        actor=system_owner, system=owned_system, data=sbom(("django", "4.2.16", "pypi", "BSD-3-Clause"))
    )
    typed.refresh_from_db()
    assert (typed.version, typed.get_source_display()) == ("4.2.16", "SBOM import")


def test_the_migration_gives_recorded_vulnerabilities_their_components_current_version(owned_system):
    import importlib

    from django.apps import apps

    migration = importlib.import_module("vulnerabilities.migrations.0005_affected_version")
    component = ComponentFactory(system=owned_system, name="django", version="4.2.7")
    before = VulnerabilityFactory(system=owned_system, component=component, component_version="")
    alone = VulnerabilityFactory(system=owned_system)
    migration.backfill(apps, None)
    before.refresh_from_db()
    alone.refresh_from_db()
    assert (before.component_label, alone.component_version) == ("django 4.2.7", "")
