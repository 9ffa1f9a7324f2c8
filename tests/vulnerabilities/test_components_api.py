"""Components through the API: the inventories you may read, one component, one typed in; bad input is a
400 that saves nothing."""

import pytest
from django.urls import reverse

from tests.access.factories import SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.vulnerabilities.factories import ComponentFactory
from vulnerabilities.models import Component

pytestmark = pytest.mark.django_db
LIST = reverse("api:component-list")


def test_who_lists_which_components(security_officer, system_owner, staff, owned_system):
    mine = ComponentFactory(system=owned_system)
    other = ComponentFactory(system=SystemFactory())
    officer = api_client(token_for(security_officer)[1])
    assert {row["id"] for row in officer.get(LIST).json()["results"]} == {mine.pk, other.pk}
    assert [row["id"] for row in officer.get(LIST, {"system": owned_system.pk}).json()["results"]] == [
        mine.pk
    ]
    owner = api_client(token_for(system_owner)[1])
    assert [row["id"] for row in owner.get(LIST).json()["results"]] == [mine.pk]
    assert owner.get(reverse("api:component-detail", args=[other.pk])).status_code == 404
    assert api_client(token_for(staff)[1]).get(LIST).json()["results"] == []


def test_the_owner_types_one_in_and_the_same_again_is_a_400(system_owner, owned_system):
    client = api_client(token_for(system_owner, read_only=False)[1])
    body = {
        "system": owned_system.pk,
        "name": "openssl",
        "version": "3.0.13",
        "purl": "pkg:deb/debian/openssl@3.0.13",
    }
    created = client.post(LIST, body, format="json")
    assert created.status_code == 201
    assert created.json()["ecosystem"] == "deb"
    again = client.post(LIST, body, format="json")
    assert again.status_code == 400
    assert client.post(LIST, {**body, "purl": "nonsense"}, format="json").status_code == 400
    assert Component.objects.count() == 1


def test_staff_cannot_add_to_a_system_they_do_not_own(staff, owned_system):
    client = api_client(token_for(staff, read_only=False)[1])
    assert client.post(LIST, {"system": owned_system.pk, "name": "x"}, format="json").status_code == 404
