"""The severity no longer changes once the incident is resolved or closed: lowering a resolved SEV1 or SEV2
would close it without its post-incident review. The page offers no severity form then."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from incidents.choices import Severity, Status
from incidents.models import Incident
from incidents.services.workflow import incident_close, incident_set_severity
from tests.incidents.detail_support import incident_at

pytestmark = pytest.mark.django_db


def sev2(status, staff, officer) -> Incident:
    return incident_at(status, reporter=staff, handler=officer, severity=Severity.SEV2)


def test_a_resolved_sev2_is_not_lowered_and_still_needs_its_review(staff, security_officer):
    incident = sev2(Status.RESOLVED, staff, security_officer)
    with pytest.raises(ValidationError) as refused:
        incident_set_severity(actor=security_officer, incident=incident, severity=Severity.SEV4)
    assert "is resolved: its severity no longer changes" in refused.value.message_dict["severity"][0]
    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV2
    with pytest.raises(ValidationError, match="post-incident review"):
        incident_close(
            actor=security_officer, incident=incident, root_cause="Filter", lessons_learned="Train"
        )


def test_a_closed_incident_keeps_its_severity(staff, security_officer):
    incident = sev2(Status.CLOSED, staff, security_officer)
    with pytest.raises(ValidationError, match="closed"):
        incident_set_severity(actor=security_officer, incident=incident, severity=Severity.SEV4)
    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV2


def test_the_severity_changes_until_the_incident_is_resolved(staff, security_officer):
    incident = sev2(Status.CONTAINED, staff, security_officer)
    changed = incident_set_severity(actor=security_officer, incident=incident, severity=Severity.SEV3)
    assert changed.severity == Severity.SEV3


@pytest.mark.parametrize(("status", "offered"), [(Status.CONTAINED, True), (Status.RESOLVED, False)])
def test_the_page_offers_the_severity_form_only_before_resolution(
    client_for, staff, security_officer, status, offered
):
    incident = sev2(status, staff, security_officer)
    page = client_for(security_officer).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert (reverse("incidents:severity", args=[incident.pk]) in page) is offered
    # The handler and the category still change after resolution.
    assert reverse("incidents:handler", args=[incident.pk]) in page
    assert reverse("incidents:category", args=[incident.pk]) in page


def test_posting_a_severity_for_a_resolved_incident_shows_the_refusal(client_for, staff, security_officer):
    incident = sev2(Status.RESOLVED, staff, security_officer)
    response = client_for(security_officer).post(
        reverse("incidents:severity", args=[incident.pk]), {"severity": "4", "reason": "Smaller than thought"}
    )
    assert response.status_code == 400
    assert "its severity no longer changes" in response.content.decode()
    assert Incident.objects.get(pk=incident.pk).severity == Severity.SEV2
