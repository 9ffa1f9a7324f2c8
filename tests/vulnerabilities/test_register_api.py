"""Vulnerabilities through the API: the list (filtered like the page, a fixed query count), one
vulnerability, recording one, and the workflow's steps; bad input is a 400 that saves nothing."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dpms.models import AuditEvent, AuditSource
from tests.access.factories import SystemFactory
from tests.dpms.api_support import api_client, token_for
from tests.vulnerabilities.factories import VulnerabilityFactory
from vulnerabilities.models import Vulnerability

pytestmark = pytest.mark.django_db
LIST = reverse("api:vulnerability-list")


def reader(user):
    return api_client(token_for(user)[1])


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


def detail(vulnerability):
    return reverse("api:vulnerability-detail", args=[vulnerability.pk])


def transition(vulnerability):
    return reverse("api:vulnerability-transition", args=[vulnerability.pk])


@pytest.fixture
def vulnerability(owned_system):
    return VulnerabilityFactory(system=owned_system, title="Heartbleed")


def test_officers_list_everything_owners_their_own_staff_nothing(security_officer, system_owner, staff,
                                                                 vulnerability):  # fmt: skip
    other = VulnerabilityFactory(system=SystemFactory())
    assert {row["id"] for row in reader(security_officer).get(LIST).json()["results"]} == {
        vulnerability.pk,
        other.pk,
    }
    assert [row["id"] for row in reader(system_owner).get(LIST).json()["results"]] == [vulnerability.pk]
    assert reader(staff).get(LIST).status_code == 403


def test_the_list_filters_like_the_page_and_refuses_nonsense(security_officer, owned_system):
    low = VulnerabilityFactory(system=owned_system, severity="low")
    VulnerabilityFactory(system=owned_system, severity="high")
    client = reader(security_officer)
    assert [row["id"] for row in client.get(LIST, {"severity": "low"}).json()["results"]] == [low.pk]
    assert client.get(LIST, {"severity": "severe"}).status_code == 400
    assert client.get(LIST, {"overdue": "maybe"}).status_code == 400


def test_detail_by_role(security_officer, auditor, staff, system_owner, vulnerability):
    assert reader(security_officer).get(detail(vulnerability)).json()["reference"] == vulnerability.reference
    assert reader(auditor).get(detail(vulnerability)).status_code == 200
    assert reader(system_owner).get(detail(vulnerability)).json()["your_steps"] == [
        "triage", "mark_fixed", "mark_false_positive"
    ]  # fmt: skip
    assert reader(staff).get(detail(vulnerability)).status_code == 404
    assert reader(security_officer).get(reverse("api:vulnerability-detail", args=[2**70])).status_code == 404


def test_recording_scores_the_vector_and_is_audited_as_the_api(system_owner, owned_system):
    response = writer(system_owner).post(
        LIST,
        {"system": owned_system.pk, "title": "SQLi in search", "source": "pentest",
         "cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["severity"], body["cvss_score"], body["source"]) == ("critical", "9.8", "pentest")
    event = AuditEvent.objects.get(action="vulnerabilities.vulnerability.create")
    assert event.source == AuditSource.API


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "source": "manual", "cvss_vector": "CVSS:3.1/AV:Q"}, "cvss_vector"),
        ({"title": "", "source": "manual"}, "title"),
        ({"title": "x", "source": "scanner"}, "source"),
        ({"title": 3, "source": "manual"}, "title"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(security_officer, owned_system, body, field):
    response = writer(security_officer).post(LIST, {"system": owned_system.pk, **body}, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Vulnerability.objects.exists()


def test_staff_cannot_record(staff, owned_system):
    body = {"system": owned_system.pk, "title": "x", "source": "manual"}
    assert writer(staff).post(LIST, body, format="json").status_code == 403


def test_the_workflow_through_the_api(system_owner, security_officer, vulnerability):
    client = writer(system_owner)
    assert (
        client.post(transition(vulnerability), {"step": "triage"}, format="json").json()["status"]
        == "triaged"
    )
    refused = client.post(transition(vulnerability), {"step": "mark_false_positive"}, format="json")
    assert refused.status_code == 400
    assert "reason" in refused.json()["errors"]
    assert client.post(transition(vulnerability), {"step": "verify"}, format="json").status_code == 400
    fixed = client.post(transition(vulnerability), {"step": "mark_fixed", "note": "Patched"}, format="json")
    assert fixed.json()["status"] == "fixed"
    verified = writer(security_officer).post(transition(vulnerability), {"step": "verify"}, format="json")
    assert verified.json()["status"] == "verified"


def test_auditors_and_read_only_tokens_take_no_step(auditor, system_owner, vulnerability):
    assert (
        writer(auditor).post(transition(vulnerability), {"step": "triage"}, format="json").status_code == 403
    )
    assert (
        reader(system_owner).post(transition(vulnerability), {"step": "triage"}, format="json").status_code
        == 403
    )
    vulnerability.refresh_from_db()
    assert vulnerability.status == "new"


def test_the_list_query_count_does_not_grow(security_officer, owned_system):
    client = reader(security_officer)
    counts = []
    for size in (3, 40):
        VulnerabilityFactory.create_batch(size, system=owned_system)
        client.get(LIST)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1]
