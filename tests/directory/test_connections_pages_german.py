"""The directory's admin pages in German: an admin who chose German reads the SCIM connections, one
connection with its groups and request log, and the admin approvals with no English original of a marked
string left, and is answered in German when a change is refused. The SCIM protocol's own error texts
(``detail``, ``scimType``) stay English whatever the caller's language: they go to machines."""

import pytest
from django.urls import reverse

from directory.models import AdminApproval, DirectoryGroup, ScimRequest
from tests.directory.conftest import GROUP
from tests.factories import UserFactory
from tests.i18n import sign_in_german, untranslated

pytestmark = pytest.mark.django_db


def _main(html: str) -> str:
    """The page's own content: the header's menu belongs to the portal and the other apps."""
    return html[html.index("<main") : html.index("</main>")]


@pytest.fixture
def second_admin(db):
    return UserFactory(email="sara.second@example.com", full_name="Sara Second", roles=["admin"])


@pytest.fixture
def mapped(scim, admin_user, connection):
    """A person pushed by the identity provider into a group the first admin mapped to the admin role."""
    nina = scim.create_user("nina@acme-corp.com")
    group = scim(
        "POST",
        "Groups",
        {"schemas": [GROUP], "displayName": "DPMS Admins", "members": [{"value": nina["id"]}]},
    ).json()
    group = DirectoryGroup.objects.get(scim_id=group["id"])
    group.role, group.role_set_by = "admin", admin_user
    group.save(update_fields=["role", "role_set_by"])
    AdminApproval.objects.create(group=group, person=group.memberships.get().person)
    scim("GET", "Users?filter=userName eq")  # a refused request for the log
    return group


def _data(*people):
    """What the test put on the pages: names, and the SCIM requests logged as the protocol wrote them."""
    logged = [f"{row.path}" for row in ScimRequest.objects.all()]
    return [*(person.full_name for person in people), "Okta", "DPMS Admins", "nina@acme-corp.com", *logged]


def test_the_connections_a_connection_and_the_approvals_are_in_german(
    client, admin_user, second_admin, connection, mapped
):
    signed_in = sign_in_german(client, second_admin)
    pages = {
        reverse("directory:connections"): "SCIM-Verbindungen",
        reverse("directory:connection", args=[connection.pk]): "Letzte Anfragen",
        reverse("directory:approvals"): "Admin-Genehmigungen",
    }
    for url, german in pages.items():
        response = signed_in.get(url)
        assert response.status_code == 200, url
        html = _main(response.content.decode())
        assert german in html, url
        # The request log shows the SCIM error as the protocol wrote it: English, for the machines.
        assert untranslated(html, ignore=[*_data(admin_user, second_admin), "invalidFilter"]) == [], url
    approvals = signed_in.get(reverse("directory:approvals")).content.decode()
    assert "Wartet auf eine zweite Administratorin oder einen zweiten Administrator" in approvals
    assert "Genehmigen" in approvals


def test_a_new_connection_and_its_refusals_answer_in_german(client, admin_user, connection):
    signed_in = sign_in_german(client, admin_user)
    response = signed_in.post(reverse("directory:connections"), {"name": "Entra ID"})
    html = _main(response.content.decode())
    assert "Kopieren Sie es jetzt in den Identitätsanbieter" in html
    assert untranslated(html, ignore=_data(admin_user)) == []

    refused = signed_in.post(reverse("directory:connections"), {"name": "okta"})
    assert refused.status_code == 400
    assert "Es gibt bereits eine Verbindung namens okta." in refused.content.decode()

    done = signed_in.post(reverse("directory:connection_revoke", args=[connection.pk]), follow=True)
    assert "Die Verbindung „Okta“ ist widerrufen: Ihr Token funktioniert nicht mehr." in done.content.decode()


def test_a_decision_is_confirmed_in_german(client, admin_user, second_admin, mapped):
    approval = AdminApproval.objects.get()
    signed_in = sign_in_german(client, second_admin)
    response = signed_in.post(
        reverse("directory:approval_decide", args=[approval.pk]), {"decision": "approve"}, follow=True
    )
    html = response.content.decode()
    assert "als Administrator/in genehmigt." in html
    assert untranslated(_main(html), ignore=[*_data(admin_user, second_admin), "invalidFilter"]) == []


def test_scim_errors_stay_english_for_a_german_caller(scim):
    english = scim("GET", "Users?filter=userName eq")
    german = scim("GET", "Users?filter=userName eq", **{"Accept-Language": "de"})
    assert german.status_code == english.status_code == 400
    assert german.json()["scimType"] == "invalidFilter"
    assert german.json()["detail"] == english.json()["detail"]
    assert german.json()["detail"].isascii()
