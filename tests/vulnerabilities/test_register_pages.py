"""The register's pages: who sees the list and a vulnerability's page, who changes it, the filters, the
CSV export, the workflow's form errors, and the query count at two data sizes."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent
from tests.access.factories import SystemFactory
from tests.vulnerabilities.factories import ComponentFactory, VulnerabilityFactory
from vulnerabilities.models import Vulnerability

pytestmark = pytest.mark.django_db
REGISTER = reverse("vulnerabilities:register")


@pytest.fixture
def vulnerability(owned_system):
    return VulnerabilityFactory(system=owned_system, title="Heartbleed")


def _detail(vulnerability):
    return reverse("vulnerabilities:vulnerability", args=[vulnerability.pk])


# --- The permission ladder ---------------------------------------------------------------------------------
def test_anonymous_is_sent_to_sign_in(client, vulnerability):
    for url in (REGISTER, _detail(vulnerability), reverse("vulnerabilities:register_csv")):
        response = client.get(url)
        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(("persona", "status"), [("staff", 403), ("admin", 403), ("auditor", 200),
                                                 ("security_officer", 200)])  # fmt: skip
def test_the_register_by_role(client_for, personas, vulnerability, persona, status):
    response = client_for(personas[persona]).get(REGISTER)
    assert response.status_code == status
    if status == 200:
        assert vulnerability.reference in response.content.decode()


def test_a_system_owner_sees_only_their_systems_vulnerabilities(client_for, system_owner, vulnerability):
    other = VulnerabilityFactory(system=SystemFactory())
    page = client_for(system_owner).get(REGISTER).content.decode()
    assert vulnerability.reference in page
    assert other.reference not in page
    assert client_for(system_owner).get(_detail(other)).status_code == 404


@pytest.mark.parametrize(("persona", "status"), [("staff", 404), ("admin", 404), ("auditor", 200),
                                                 ("security_officer", 200)])  # fmt: skip
def test_a_vulnerabilitys_page_by_role(client_for, personas, vulnerability, persona, status):
    assert client_for(personas[persona]).get(_detail(vulnerability)).status_code == status


def test_the_auditor_reads_without_forms_and_cannot_post(client_for, auditor, vulnerability):
    client = client_for(auditor)
    page = client.get(_detail(vulnerability)).content.decode()
    assert 'data-testid="workflow"' not in page
    url = reverse("vulnerabilities:vulnerability_transition", args=[vulnerability.pk])
    assert client.post(url, {"step": "triage"}).status_code == 403
    vulnerability.refresh_from_db()
    assert vulnerability.status == "new"


def test_the_owner_triages_from_the_page_and_the_timeline_shows_it(client_for, system_owner, vulnerability):
    client = client_for(system_owner)
    url = reverse("vulnerabilities:vulnerability_transition", args=[vulnerability.pk])
    response = client.post(url, {"step": "triage"})
    assert response.status_code == 302
    vulnerability.refresh_from_db()
    assert vulnerability.status == "triaged"
    page = client.get(_detail(vulnerability)).content.decode()
    assert "<strong>Triaged</strong> · Olivia Owner" in page  # the timeline, from the audit trail
    assert "(Europe/Berlin, the owner&#x27;s time)" in page or "(Europe/Berlin, the owner's time)" in page


def test_a_false_positive_without_a_reason_is_a_form_error(client_for, system_owner, vulnerability):
    url = reverse("vulnerabilities:vulnerability_transition", args=[vulnerability.pk])
    response = client_for(system_owner).post(url, {"step": "mark_false_positive", "reason": ""})
    assert response.status_code == 400
    assert "Say why this is a false positive." in response.content.decode()
    vulnerability.refresh_from_db()
    assert vulnerability.status == "new"


def test_a_step_not_allowed_from_here_is_a_form_error(client_for, system_owner, vulnerability):
    url = reverse("vulnerabilities:vulnerability_transition", args=[vulnerability.pk])
    response = client_for(system_owner).post(url, {"step": "verify"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="vulnerabilities.vulnerability.verify").exists()


def test_only_officers_override_the_severity(client_for, system_owner, security_officer, vulnerability):
    url = reverse("vulnerabilities:vulnerability_override", args=[vulnerability.pk])
    assert client_for(system_owner).post(url, {"severity": "low", "reason": "x"}).status_code == 403
    response = client_for(security_officer).post(url, {"severity": "low", "reason": ""})
    assert response.status_code == 400
    assert "Say why the scored severity does not apply." in response.content.decode()
    assert (
        client_for(security_officer).post(url, {"severity": "low", "reason": "Internal only"}).status_code
        == 302
    )
    vulnerability.refresh_from_db()
    assert vulnerability.severity == "low"


# --- Recording by hand: a malformed vector is a form error ---------------------------------------------
def test_a_malformed_vector_is_a_form_error_and_records_nothing(client_for, security_officer, owned_system):
    response = client_for(security_officer).post(
        reverse("vulnerabilities:vulnerability_create"),
        {"system": owned_system.pk, "title": "Found it", "source": "manual", "cvss_vector": "CVSS:3.1/AV:Z"},
    )
    assert response.status_code == 400
    assert "Not a valid CVSS 3.1 vector" in response.content.decode()
    assert not Vulnerability.objects.exists()


def test_recording_by_hand_scores_the_vector(client_for, system_owner, owned_system):
    response = client_for(system_owner).post(
        reverse("vulnerabilities:vulnerability_create"),
        {
            "system": owned_system.pk,
            "title": "SQL injection in search",
            "source": "pentest",
            "cvss_vector": "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
        },
    )
    assert response.status_code == 302
    recorded = Vulnerability.objects.get()
    assert (recorded.severity, str(recorded.cvss_score), recorded.owner) == ("critical", "9.3", system_owner)


def test_staff_cannot_open_the_record_page(client_for, staff):
    assert client_for(staff).get(reverse("vulnerabilities:vulnerability_create")).status_code == 403


# --- Filters and export -------------------------------------------------------------------------------
def test_filters_by_severity_status_source_and_overdue(client_for, security_officer, owned_system):
    now = timezone.now()
    late = VulnerabilityFactory(
        system=owned_system, status="triaged", due_at=now - timezone.timedelta(days=1)
    )
    low = VulnerabilityFactory(system=owned_system, severity="low", source="pentest")
    client = client_for(security_officer)

    def shown(**filters):
        return {v.pk for v in client.get(REGISTER, filters).context["page"].object_list}

    assert shown(overdue="on") == {late.pk}
    assert shown(severity="low") == {low.pk}
    assert shown(source="pentest") == {low.pk}
    assert shown(status="triaged") == {late.pk}
    assert shown(status="open") == {late.pk, low.pk}
    assert client.get(REGISTER, {"severity": "bogus"}).status_code == 200  # a form error, no 500


def test_the_csv_export_follows_the_filters(client_for, security_officer, owned_system):
    high = VulnerabilityFactory(system=owned_system)
    VulnerabilityFactory(system=owned_system, severity="low")
    response = client_for(security_officer).get(reverse("vulnerabilities:register_csv"), {"severity": "high"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [row["reference"] for row in rows] == [high.reference]
    assert rows[0]["severity"] == "high"
    bad = client_for(security_officer).get(reverse("vulnerabilities:register_csv"), {"severity": "bogus"})
    assert bad.status_code == 400


# --- Query counts ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("count", [3, 30])
def test_register_query_count_does_not_grow(client_for, security_officer, owned_system, count,
                                            django_assert_num_queries):  # fmt: skip
    VulnerabilityFactory.create_batch(count, system=owned_system)
    client = client_for(security_officer)
    client.get(REGISTER)  # a session's first request also records it
    # 15: session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the page's count
    # (1), its ids (1), those rows with system, component, owner and risk (1); the header's unread count (1);
    # saving the sliding session: savepoint, update, release (3). Nothing per row.
    with django_assert_num_queries(EXPECTED_REGISTER_QUERIES):
        response = client.get(REGISTER)
    assert response.context["page"].paginator.count == count


EXPECTED_REGISTER_QUERIES = 15


# --- Editing and handing over ---------------------------------------------------------------------------
@pytest.mark.parametrize(("persona", "status"), [("staff", 404), ("admin", 404), ("auditor", 403),
                                                 ("security_officer", 200)])  # fmt: skip
def test_the_edit_page_by_role(client_for, personas, vulnerability, persona, status):
    url = reverse("vulnerabilities:vulnerability_edit", args=[vulnerability.pk])
    assert client_for(personas[persona]).get(url).status_code == status


def test_editing_the_vector_scores_it_again(client_for, system_owner, vulnerability):
    url = reverse("vulnerabilities:vulnerability_edit", args=[vulnerability.pk])
    values = {"title": "Heartbleed", "cvss_vector": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N"}
    assert client_for(system_owner).post(url, values).status_code == 302
    vulnerability.refresh_from_db()
    assert (str(vulnerability.cvss_score), vulnerability.severity) == ("3.1", "low")
    bad = client_for(system_owner).post(url, {**values, "cvss_vector": "CVSS:4.0/AV:N"})
    assert bad.status_code == 400
    assert "Not a valid CVSS 4.0 vector" in bad.content.decode()


def test_handing_over_to_another_owner(client_for, system_owner, staff, vulnerability):
    url = reverse("vulnerabilities:vulnerability_assign", args=[vulnerability.pk])
    assert client_for(staff).post(url, {"owner": staff.email}).status_code == 404
    assert client_for(system_owner).post(url, {"owner": staff.email}).status_code == 302
    vulnerability.refresh_from_db()
    assert vulnerability.owner == staff
    assert client_for(system_owner).post(url, {"owner": "nobody@example.com"}).status_code == 400


def test_search_finds_by_reference_identifier_alias_and_component(client_for, security_officer, owned_system):
    flaw = VulnerabilityFactory(
        system=owned_system, identifier="CVE-2024-3094", aliases=["GHSA-rxwq-x6h5-x525"],
        component=ComponentFactory(system=owned_system, name="xz-utils"),
    )  # fmt: skip
    VulnerabilityFactory(system=owned_system)
    client = client_for(security_officer)
    for text in ("cve-2024-3094", "GHSA-rxwq", "xz-utils", flaw.reference):
        assert [v.pk for v in client.get(REGISTER, {"q": text}).context["page"].object_list] == [flaw.pk]


def test_the_timeline_names_the_changed_fields_in_words(client_for, system_owner, vulnerability):
    client = client_for(system_owner)
    edit = reverse("vulnerabilities:vulnerability_edit", args=[vulnerability.pk])
    vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"
    response = client.post(edit, {"title": "Heartbleed", "cvss_vector": vector, "description": ""})
    assert response.status_code == 302
    triage = reverse("vulnerabilities:vulnerability_transition", args=[vulnerability.pk])
    client.post(triage, {"step": "triage"})
    page = client.get(_detail(vulnerability)).content.decode()
    assert "CVSS vector" in page  # the timeline's change lines, named as a person would
    for raw in ("Cvss vector", "Cvss score", "Due at", "Triaged at"):
        assert raw not in page


def test_the_next_step_form_asks_only_what_the_steps_from_here_need(client_for, system_owner, vulnerability):
    client = client_for(system_owner)
    page = client.get(_detail(vulnerability)).content.decode()  # new: triage, fixed, false positive
    assert 'name="risk"' not in page  # a risk is accepted only after triage
    assert 'name="note"' in page
    assert "Marking it fixed: how you know it is fixed." in page
    assert "Marking it a false positive: why." in page
    Vulnerability.objects.filter(pk=vulnerability.pk).update(status="fixed")
    page = client.get(_detail(vulnerability)).content.decode()  # fixed: reopen (and verify, for officers)
    assert 'name="note"' not in page
    assert 'name="risk"' not in page
    assert 'name="reason"' in page
    assert "Reopening: why" in page
    assert "false positive: why" not in page  # not a step from here
    response = client.post(
        reverse("vulnerabilities:vulnerability_transition", args=[vulnerability.pk]),
        {"step": "reopen", "reason": "Still found by the scanner."},
    )
    assert response.status_code == 302
    vulnerability.refresh_from_db()
    assert vulnerability.status == "triaged"


# --- A settled vulnerability's deadline is history ----------------------------------------------------------
@pytest.mark.parametrize(("days_after_deadline", "words"), [(-2, "Met"), (3, "Missed")])
def test_a_fixed_vulnerability_shows_its_deadline_as_met_or_missed(
    client_for, security_officer, owned_system, days_after_deadline, words
):
    due = timezone.now() - timezone.timedelta(days=10)
    fixed = VulnerabilityFactory(
        system=owned_system, status="verified", due_at=due,
        fixed_at=due + timezone.timedelta(days=days_after_deadline), verified_at=timezone.now(),
    )  # fmt: skip
    row = _register_row(client_for(security_officer), fixed)
    assert f'data-label="Deadline">{words} <span' in row
    assert "Overdue" not in row
    detail = client_for(security_officer).get(_detail(fixed)).content.decode()
    deadline = detail.split('data-testid="deadline">', 1)[1].split("</dd>", 1)[0]
    assert deadline.startswith(f"{words}: fixed")
    assert "Overdue" not in deadline


def test_a_false_positive_shows_no_deadline(client_for, security_officer, owned_system):
    due = timezone.now() - timezone.timedelta(days=10)
    wrong = VulnerabilityFactory(
        system=owned_system, status="false_positive", due_at=due, false_positive_reason="Not used."
    )
    row = _register_row(client_for(security_officer), wrong)
    assert row.rstrip().endswith('<td data-label="Deadline">—</td>')
    detail = client_for(security_officer).get(_detail(wrong)).content.decode()
    deadline = detail.split('data-testid="deadline">', 1)[1].split("</dd>", 1)[0]
    assert deadline.startswith("None")
    assert due.strftime("%Y") not in deadline


def _register_row(client, vulnerability) -> str:
    page = client.get(REGISTER).content.decode()
    return page.split(vulnerability.reference, 1)[1].split("</tr>", 1)[0]
