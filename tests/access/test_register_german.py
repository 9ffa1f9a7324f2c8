"""The access app's other pages in German: a security officer who chose German reads the systems, a system
with its findings, the grants list, a person's access, access requests, revocation tasks, birthright,
review policies and campaigns, imports and the close page with no English original of a marked string in
the page's own content; a German requester and owner get the app's notices in German."""

import datetime
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from access.choices import FindingKind
from access.services.revocations import remind_overdue_tasks
from dpms.models import Notification
from tests.access.factories import (
    AccessRequestFactory,
    FindingFactory,
    GrantFactory,
    ReviewCampaignFactory,
    ReviewItemFactory,
    ReviewPolicyFactory,
    RevocationTaskFactory,
    RoleFactory,
    SystemFactory,
)
from tests.factories import UserFactory
from tests.i18n import sign_in_german, speaks_german, untranslated

pytestmark = pytest.mark.django_db

# Names a German organisation gives its own things: data, not catalogue text. The upload page's example file
# is a file's content ("Monthly payroll checks" is a justification in it), not the page's words.
DATA = [
    "Lohnbuchhaltung",
    "Sachbearbeitung",
    "Administration",
    "Quartalsprüfung",
    "Rezertifizierung Q4",
    "Monthly payroll checks",
    "A business system.",  # the factory's description of a system
]
# Sections other apps add to these pages (a system's vulnerabilities) and the portal's own partials are
# their catalogues' to translate: here the access catalogue's words are looked for.
CATALOGUE = polib.pofile(str(Path(settings.BASE_DIR) / "access/locale/de/LC_MESSAGES/django.po"))
ACCESS = {entry.msgid for entry in CATALOGUE} | {
    entry.msgid_plural for entry in CATALOGUE if entry.msgid_plural
}


@pytest.fixture
def register(security_officer, staff, manager):
    system = SystemFactory(name="Lohnbuchhaltung", owner=security_officer, max_privileged=1)
    clerk = RoleFactory(system=system, name="Sachbearbeitung")
    admin = RoleFactory(system=system, name="Administration", privileged=True)
    grant = GrantFactory(user=staff, role=clerk, justification="Monatsabschluss")
    GrantFactory(user=manager, role=admin, justification="Betrieb")
    FindingFactory(system=system, kind=FindingKind.TOO_MANY_PRIVILEGED, details="2 von höchstens 1")
    request = AccessRequestFactory(
        requested_by=staff, requested_for=staff, role=admin, justification="Vertretung"
    )
    RevocationTaskFactory(grant=grant, system=system, assignee=security_officer, reason="Austritt")
    policy = ReviewPolicyFactory(name="Quartalsprüfung", fallback_reviewer=security_officer)
    campaign = ReviewCampaignFactory(name="Rezertifizierung Q4", policy=policy)
    ReviewItemFactory(campaign=campaign, grant=grant, reviewer=manager)
    return {"system": system, "person": staff, "request": request, "policy": policy, "campaign": campaign}


def _main(html: str) -> str:
    """The page's own content: the header's menu and badges are the portal's and the other apps', and so
    are the sections other apps add to a system's page (between its holders and the grant form)."""
    main = html[html.index("<main") : html.index("</main>")]
    if 'id="grant-h"' in main:
        holders = main.index("</table>", main.index('data-testid="holders-table"'))
        main = main[:holders] + main[main.index('<section class="card" aria-labelledby="grant-h"') :]
    return main


def test_the_officers_pages_are_in_german(client, security_officer, staff, manager, register):
    signed_in = sign_in_german(client, security_officer)
    people = [security_officer.full_name, staff.full_name, manager.full_name, staff.email]
    pages = {
        "systems": reverse("access:systems"),
        "system": reverse("access:system", args=[register["system"].pk]),
        "grants": reverse("access:grants"),
        "person": reverse("access:person", args=[register["person"].pk]),
        "my requests": reverse("access:my_requests"),
        "new request": reverse("access:request_new"),
        "awaiting": reverse("access:requests_awaiting"),
        "request": reverse("access:request_detail", args=[register["request"].pk]),
        "revocation tasks": reverse("access:revocation_list"),
        "birthright": reverse("access:birthright"),
        "policies": reverse("access:policies"),
        "policy": reverse("access:policy_detail", args=[register["policy"].pk]),
        "policy form": reverse("access:policy_edit", args=[register["policy"].pk]),
        "campaigns": reverse("access:campaigns"),
        "campaign": reverse("access:campaign_detail", args=[register["campaign"].pk]),
        "close": reverse("access:campaign_close", args=[register["campaign"].pk]),
        "imports": reverse("access:import_list"),
        "upload": reverse("access:import_upload"),
    }
    found = {}
    for name, url in pages.items():
        response = signed_in.get(url)
        assert response.status_code == 200, name
        english = [
            msgid
            for msgid in untranslated(_main(response.content.decode()), ignore=[*people, *DATA])
            if msgid in ACCESS
        ]
        if english:
            found[name] = english
    assert found == {}

    system = signed_in.get(pages["system"]).content.decode()
    assert "Mehr privilegierte Berechtigte als erlaubt" in system  # the finding's kind
    assert "Eine Rolle erteilen" in system


def test_a_refusal_says_why_in_german(client, staff, register):
    signed_in = sign_in_german(client, staff)
    response = signed_in.post(
        reverse("access:request_new"), {"requested_for": staff.pk, "role": "", "justification": ""}
    )
    assert response.status_code in (200, 400)
    assert "Dieses Feld ist zwingend erforderlich." in response.content.decode()


def test_the_requests_notices_reach_each_person_in_their_language(
    client, security_officer, manager, register
):
    """A German requester hears of the approval in German; the English manager who asked for them (for a
    report) is told in English."""
    requester = speaks_german(
        UserFactory(email="gerda.gast@example.com", full_name="Gerda Gast", manager=manager)
    )
    role = RoleFactory(system=register["system"], name="Leserecht")
    client.force_login(manager, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = client.post(
        reverse("access:request_new"),
        {"requested_for": requester.pk, "role": role.pk, "justification": "Vertretung im Dezember"},
    )
    assert response.status_code == 302
    told = Notification.objects.get(recipient=requester)
    assert told.subject == f"{manager} hat {role} für Sie beantragt"
    assert told.body == "Begründung: Vertretung im Dezember"


def test_an_overdue_revocation_digest_reaches_a_german_owner_in_german(security_officer, staff, register):
    speaks_german(security_officer)
    task = register["system"].revocation_tasks.get()
    type(task).objects.filter(pk=task.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    remind_overdue_tasks(now=timezone.now())
    digest = Notification.objects.get(recipient=security_officer)
    assert digest.subject.startswith("Überfällige Zugriffsentzüge")
    assert "Diese Entzüge sind überfällig." in digest.body
    assert "(fällig am " in digest.body
