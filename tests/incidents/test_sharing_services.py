"""Confidentiality, shares with one more person, and links to risks and systems."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from dpms.models import AuditEvent, Notification
from incidents.choices import Status
from incidents.queries.visibility import can_see
from incidents.services.sharing import (
    incident_link,
    incident_set_confidential,
    incident_share,
    incident_unshare,
)
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_officer(db):
    return UserFactory(full_name="Otis Officer", roles=["security officer"])


def test_a_confidential_incident_is_hidden_from_other_officers_until_shared(
    staff, security_officer, other_officer
):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    incident_set_confidential(actor=security_officer, incident=incident, confidential=True, reason="HR case")
    assert not can_see(other_officer, incident)
    assert can_see(staff, incident)  # the reporter still sees it
    incident_share(actor=security_officer, incident=incident, user=other_officer)
    assert can_see(other_officer, incident)
    assert Notification.objects.filter(recipient=other_officer, subject__contains="shared with you").exists()
    incident_unshare(actor=security_officer, incident=incident, user=other_officer)
    assert not can_see(other_officer, incident)
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"incident.confidential", "incident.share", "incident.unshare"} <= actions


def test_confidentiality_needs_a_reason_and_security_officers(staff, security_officer, manager):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=manager)
    with pytest.raises(ValidationError):
        incident_set_confidential(actor=security_officer, incident=incident, confidential=True, reason="")
    with pytest.raises(PermissionDenied):  # the handler is not a security officer
        incident_set_confidential(actor=manager, incident=incident, confidential=True, reason="HR")


def test_sharing_with_an_inactive_person_is_refused(staff, security_officer, outsider):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    outsider.is_active = False
    outsider.save()
    with pytest.raises(ValidationError) as refused:
        incident_share(actor=security_officer, incident=incident, user=outsider)
    assert "user" in refused.value.message_dict


def test_links_record_what_was_added_and_removed(staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    phishing, ransomware = RiskFactory(reference="R-001"), RiskFactory(reference="R-002")
    mail = SystemFactory(name="Mail")
    incident_link(actor=security_officer, incident=incident, risks=[phishing, ransomware], systems=[mail])
    incident_link(actor=security_officer, incident=incident, risks=[ransomware], systems=[])
    assert list(incident.risks.all()) == [ransomware]
    assert not incident.systems.exists()
    last = incident.events.filter(kind="link").order_by("pk").last()
    assert last.data == {"risks_removed": ["R-001"], "systems_removed": ["Mail"]}


def test_a_handler_links_only_risks_they_may_see_and_keeps_hidden_links(staff, manager, outsider):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=manager)
    own, hidden = RiskFactory(owner=manager), RiskFactory(owner=outsider)
    incident.risks.add(hidden)
    with pytest.raises(ValidationError) as refused:
        incident_link(actor=manager, incident=incident, risks=[hidden], systems=[])
    assert "risks" in refused.value.message_dict
    incident_link(actor=manager, incident=incident, risks=[own], systems=[])
    assert set(incident.risks.all()) == {own, hidden}


def test_the_reporter_cannot_change_links(staff, security_officer):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    with pytest.raises(PermissionDenied):
        incident_link(actor=staff, incident=incident, risks=[], systems=[])
