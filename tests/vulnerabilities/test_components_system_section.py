"""The access system page shows the system's components and open vulnerabilities to those who may read
them (officers, auditors, the owner), in a fixed number of queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.vulnerabilities.factories import ComponentFactory, VulnerabilityFactory

pytestmark = pytest.mark.django_db


def _page(system):
    return reverse("access:system", args=[system.pk])


@pytest.fixture
def filled(owned_system):
    ComponentFactory(system=owned_system, name="openssl", version="3.0.13", purl="")
    VulnerabilityFactory(system=owned_system, title="Heartbleed", severity="critical")
    VulnerabilityFactory(system=owned_system, title="Old and fixed", status="verified")
    return owned_system


@pytest.mark.parametrize("persona", ["security_officer", "auditor"])
def test_officers_and_auditors_see_the_section(client_for, personas, filled, persona):
    page = client_for(personas[persona]).get(_page(filled)).content.decode()
    assert 'data-testid="system-vulnerabilities"' in page
    assert "Heartbleed" in page
    assert "Old and fixed" not in page  # only open ones
    assert "openssl 3.0.13" in page


def test_the_owner_sees_it_and_may_manage_components(client_for, system_owner, filled):
    page = client_for(system_owner).get(_page(filled)).content.decode()
    assert "Heartbleed" in page
    assert "Manage components and import an SBOM" in page


@pytest.mark.parametrize("persona", ["staff", "admin"])
def test_other_people_see_no_section(client_for, personas, filled, persona):
    response = client_for(personas[persona]).get(_page(filled))
    assert response.status_code == 200  # the catalogue is everyone's
    assert 'data-testid="system-vulnerabilities"' not in response.content.decode()


def test_the_section_costs_the_same_at_two_sizes(client_for, security_officer, owned_system):
    client = client_for(security_officer)
    counts = []
    for size in (3, 40):
        ComponentFactory.create_batch(size, system=owned_system)
        VulnerabilityFactory.create_batch(size, system=owned_system)
        client.get(_page(owned_system))
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_page(owned_system)).status_code == 200
        counts.append(len([q for q in captured if "vulnerabilities_" in q["sql"]]))
    # The section's own: the open vulnerabilities' counts, the first of them, the inventory's first rows with
    # its count; three at both sizes.
    assert counts == [3, 3]
