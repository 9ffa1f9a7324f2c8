"""The vulnerabilities pages in German: a security officer who chose German reads the register, a
vulnerability with its timeline, a system's components after an SBOM import, the scan imports (list, upload,
an import that worked and one that failed), the remediation policy, the reports from outside and their
policy, the record form and the dashboard panels with no English original of a marked string; an outside
reporter whose browser asks for German gets the report form, its receipt and the tracking page in German;
an owner who chose German gets the deadline reminders in German, with the date as German writes it."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dpms.models import Notification
from tests.access.factories import SystemFactory
from tests.dashboard_support import dashboard_html
from tests.i18n import sign_in_german, speaks_german, untranslated
from tests.vulnerabilities.disclosures_support import (  # noqa: F401 - fixtures
    REPORT,
    attachments_dir_fixture,
    filled,
    intake_fixture,
    tracking_path,
)
from tests.vulnerabilities.factories import ComponentFactory, VulnerabilityFactory
from tests.vulnerabilities.imports_support import run
from vulnerabilities.services import components as component_services
from vulnerabilities.services import deadlines
from vulnerabilities.services import register as register_services

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)
# Names the test gives its own things: data, not catalogue text.
# The report's steps as a German reporter writes them (the helper's are English data).
STEPS = (
    "1. <script>alert(1)</script> ins Nachrichtenfeld eingeben.\n2. Den Posteingang der Verwaltung öffnen."
)
DATA = ["Lohnbuchhaltung", "Public website", "Olivia Owner"]  # the intake system is the helper's
# The timeline's change lines name a key that is no model field by the key itself ("note" of a fix, as the
# audit trail stores it): the foundation's audit words have no translation for such keys yet.
AUDIT_KEYS = ["Note"]


def _main(html: str) -> str:
    """The page's own content: the header's menu and badges belong to the portal and the other apps."""
    return html[html.index("<main") : html.index("</main>")]


def _section(html: str, testid: str) -> str:
    start = html.index(f'data-testid="{testid}"')
    return html[html.rindex("<section", 0, start) : html.index("</section>", start)]


def _german(html: str) -> list[str]:
    return untranslated(html, ignore=DATA)


@pytest.fixture
def officer(client, security_officer):
    return sign_in_german(client, security_officer)


@pytest.fixture
def payroll(security_officer):
    return SystemFactory(name="Lohnbuchhaltung", owner=security_officer)


@pytest.fixture
def worked_on(security_officer, payroll):
    """A vulnerability recorded, scored, triaged, overridden and fixed: every timeline word and the met
    deadline; an overdue one and an open one beside it."""
    component = ComponentFactory(system=payroll, name="requests", version="2.31.0")
    vulnerability = register_services.vulnerability_create(
        actor=security_officer,
        system=payroll,
        title="Anmeldung ohne zweiten Faktor möglich",
        cvss_vector="CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        component=component,
        source="manual",
    )
    register_services.vulnerability_triage(actor=security_officer, vulnerability=vulnerability)
    register_services.vulnerability_override_severity(
        actor=security_officer, vulnerability=vulnerability, severity="medium", reason="nur intern erreichbar"
    )
    register_services.vulnerability_start_remediation(actor=security_officer, vulnerability=vulnerability)
    register_services.vulnerability_mark_fixed(
        actor=security_officer, vulnerability=vulnerability, note="Patch"
    )
    VulnerabilityFactory(system=payroll, severity="critical", status="triaged", due_at=timezone.now() - DAY)
    VulnerabilityFactory(system=payroll, severity="low", status="new", due_at=timezone.now() + 5 * DAY)
    return vulnerability


def test_the_register_a_vulnerability_and_its_forms_in_german(officer, worked_on):
    register = officer.get(reverse("vulnerabilities:register"))
    assert register.status_code == 200
    assert "Schwachstellen" in register.content.decode()
    assert _german(_main(register.content.decode())) == []
    detail = officer.get(reverse("vulnerabilities:vulnerability", args=[worked_on.pk]))
    page = _main(detail.content.decode())
    assert "Als behoben markiert" in page  # the timeline's words
    assert "Eingestuft" in page
    assert untranslated(page, ignore=DATA + AUDIT_KEYS) == []
    for name, args in (("vulnerability_create", []), ("vulnerability_edit", [worked_on.pk])):
        assert (
            _german(_main(officer.get(reverse(f"vulnerabilities:{name}", args=args)).content.decode())) == []
        )


def test_a_refused_step_says_why_in_german(officer, payroll):
    triaged = VulnerabilityFactory(system=payroll, status="triaged")
    response = officer.post(
        reverse("vulnerabilities:vulnerability_transition", args=[triaged.pk]),
        {"step": "mark_false_positive", "reason": ""},
    )
    page = _main(response.content.decode())
    assert "Geben Sie an, warum dies ein Fehlalarm ist." in page
    assert _german(page) == []


def test_a_systems_components_and_its_section_in_german(officer, security_officer, payroll, worked_on):
    sbom = {
        "bomFormat": "CycloneDX",
        "specVersion": "1.5",
        "version": 1,
        "components": [
            {"type": "library", "name": "django", "version": "5.2", "purl": "pkg:pypi/django@5.2"},
            {"type": "library", "name": "requests", "version": "2.32.3", "purl": "pkg:pypi/requests@2.32.3"},
        ],
    }
    component_services.sbom_import(
        actor=security_officer, system=payroll, data=json.dumps(sbom).encode(), filename="sbom.json"
    )
    page = _main(
        officer.get(reverse("vulnerabilities:system_components", args=[payroll.pk])).content.decode()
    )
    assert "Letzter SBOM-Import" in page
    assert _german(page) == []
    system_page = officer.get(reverse("access:system", args=[payroll.pk])).content.decode()
    section = _section(system_page, "system-vulnerabilities")
    assert "Offene Schwachstellen" in section
    assert _german(section) == []


def test_the_scan_imports_in_german(officer, security_officer, payroll):
    worked = run(security_officer, payroll, "pip-audit.json")
    failed = run(security_officer, payroll, "broken.json", content=b'{"dependencies": [')
    listing = _main(officer.get(reverse("vulnerabilities:scan_imports")).content.decode())
    assert "Scan-Importe" in listing
    assert _german(listing) == []
    assert _german(_main(officer.get(reverse("vulnerabilities:scan_import_upload")).content.decode())) == []
    done = _main(officer.get(reverse("vulnerabilities:scan_import", args=[worked.pk])).content.decode())
    assert "neue Schwachstelle" in done
    assert _german(done) == []
    broken = _main(officer.get(reverse("vulnerabilities:scan_import", args=[failed.pk])).content.decode())
    assert "Es wurde nichts importiert" in broken  # the stored reason, read in German
    assert "Sie wurde abgeschnitten" in broken  # and the file's problem
    assert _german(broken) == []


def test_the_policies_and_reports_from_outside_in_german(officer, intake):
    remediation = _main(officer.get(reverse("vulnerabilities:policy")).content.decode())
    assert "Behebungsrichtlinie" in remediation
    assert _german(remediation) == []
    reporter = Client()
    reporter.post(REPORT, filled(title="XSS im Kontaktformular", steps=STEPS), HTTP_ACCEPT_LANGUAGE="de")
    reports = _main(officer.get(reverse("vulnerabilities:disclosures")).content.decode())
    assert "XSS im Kontaktformular" in reports
    assert "Link widerrufen" in reports
    assert _german(reports) == []
    policy = _main(officer.get(reverse("vulnerabilities:disclosure_policy")).content.decode())
    assert _german(policy) == []


def test_the_dashboard_panels_in_german(officer, security_officer, worked_on):
    page = dashboard_html(officer)
    for panel in ("vulnerability-panel", "owner-vulnerability-panel"):
        section = _section(page, panel)
        assert _german(section) == [], panel


def test_an_outside_reporter_reads_the_report_pages_in_german(client, intake):
    form = client.get(REPORT, HTTP_ACCEPT_LANGUAGE="de")
    page = form.content.decode()
    assert "Schwachstelle melden" in page
    assert "Wir freuen uns über Meldungen" in page  # the default policy, in the reader's language
    assert _german(_main(page)) == []
    refused = client.post(REPORT, filled(title="", steps=STEPS), HTTP_ACCEPT_LANGUAGE="de")
    assert "Beschreiben Sie in einer Zeile" in refused.content.decode() or "erforderlich" in (
        refused.content.decode()
    )
    assert _german(_main(refused.content.decode())) == []
    sent = client.post(REPORT, filled(title="XSS im Kontaktformular", steps=STEPS), HTTP_ACCEPT_LANGUAGE="de")
    assert "Vielen Dank" in sent.content.decode()
    assert _german(_main(sent.content.decode())) == []
    tracking = client.get(tracking_path(sent), HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Ihre Meldung" in tracking
    assert _german(_main(tracking)) == []


def test_a_german_owner_is_reminded_in_german_and_an_english_one_in_english(system_owner, security_officer):
    speaks_german(system_owner)
    german = SystemFactory(name="Lohnbuchhaltung", owner=system_owner)
    english = SystemFactory(name="Payroll", owner=security_officer)
    due = datetime.datetime(2026, 12, 10, 12, tzinfo=datetime.UTC)
    VulnerabilityFactory(system=german, title="Flaw A", status="triaged", due_at=due)
    VulnerabilityFactory(system=english, title="Flaw B", status="triaged", due_at=due)
    assert deadlines.remind_before_due(now=due - 2 * DAY) == 2
    notes = {
        n.recipient_id: n
        for n in Notification.objects.filter(dedup_key__startswith="vulnerability-reminder:")
    }
    assert notes[system_owner.pk].subject.startswith("Bald fällige Schwachstellen")
    assert "Behebungsfrist" in notes[system_owner.pk].body
    assert "hoch · fällig am 10. Dez" in notes[system_owner.pk].body
    assert notes[security_officer.pk].subject.startswith("Vulnerabilities due soon")
    assert "high · due 10 Dec 2026" in notes[security_officer.pk].body


def test_the_overdue_notices_reach_a_german_owner_and_german_officers_in_german(
    system_owner, security_officer
):
    speaks_german(system_owner)
    speaks_german(security_officer)
    system = SystemFactory(name="Lohnbuchhaltung", owner=system_owner)
    due = datetime.datetime(2026, 12, 10, 12, tzinfo=datetime.UTC)
    VulnerabilityFactory(system=system, title="Flaw C", severity="critical", status="triaged", due_at=due)
    assert deadlines.escalate_overdue(now=due + DAY) == 1  # the owner, at once
    assert deadlines.escalate_overdue(now=due + 4 * DAY) == 1  # the officers, the policy's days later
    (owner_note,) = Notification.objects.filter(dedup_key__startswith="vulnerability-overdue:")
    assert owner_note.subject.startswith("Schwachstellen nach Ablauf der Behebungsfrist")
    assert "kritisch · fällig am 10. Dez" in owner_note.body
    (officer_note,) = Notification.objects.filter(dedup_key__startswith="vulnerability-escalation:")
    assert officer_note.recipient_id == security_officer.pk
    assert officer_note.subject.startswith(
        "Überfällige Schwachstellen an die Sicherheitsbeauftragten eskaliert"
    )
    assert "noch offen" in officer_note.body
