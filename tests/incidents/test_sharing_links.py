"""The incident's links to risks and systems: the linked ones as checkboxes (untick to remove), risks added by
reference and systems by name; the page stays small with thousands of risks and systems."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from guardian.shortcuts import assign_perm

from access.models import System
from incidents.choices import Status
from risk.models import Risk
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(staff, security_officer):
    return incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)


def links(client, incident, data):
    return client.post(reverse("incidents:links", args=[incident.pk]), data)


def page(client, incident) -> str:
    response = client.get(reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_risks_are_added_by_reference_ignoring_case(client_for, security_officer, incident):
    phishing = RiskFactory(reference="R-012", title="Phishing")
    laptops = RiskFactory(reference="R-040", title="Lost laptops")
    RiskFactory(reference="R-041")
    assert links(client_for(security_officer), incident, {"add_risks": "r-012, R-040"}).status_code == 302
    assert set(incident.risks.all()) == {phishing, laptops}
    assert "Links changed: risks added: R-012, R-040." in page(client_for(security_officer), incident)


def test_unknown_risk_references_are_named_in_the_error(client_for, security_officer, incident):
    RiskFactory(reference="R-012")
    response = links(client_for(security_officer), incident, {"add_risks": "R-012 R-999; R-1000"})
    assert response.status_code == 400
    assert "No risk you may see has the reference R-999, R-1000." in response.content.decode()
    assert not incident.risks.exists()


def test_a_risk_the_handler_may_not_see_is_unknown_to_them(client_for, staff, incident):
    it_person = UserFactory(full_name="Ivan IT")
    incident.handler = it_person
    incident.save(update_fields=["handler"])
    RiskFactory(reference="R-050", owner=UserFactory())
    own = RiskFactory(reference="R-051", owner=it_person)
    response = links(client_for(it_person), incident, {"add_risks": "R-050"})
    assert response.status_code == 400
    assert "No risk you may see has the reference R-050." in response.content.decode()
    assert links(client_for(it_person), incident, {"add_risks": "r-051"}).status_code == 302
    assert list(incident.risks.all()) == [own]


def test_systems_are_added_by_name_per_line_or_comma_separated(client_for, security_officer, incident):
    crm = SystemFactory(name="CRM")
    mail = SystemFactory(name="Mail server")
    erp = SystemFactory(name="ERP")
    SystemFactory(name="Payroll")
    response = links(client_for(security_officer), incident, {"add_systems": "crm, MAIL server\nerp\n"})
    assert response.status_code == 302
    assert set(incident.systems.all()) == {crm, mail, erp}


def test_a_system_name_holding_a_comma_is_found_on_its_own_line(client_for, security_officer, incident):
    hr = SystemFactory(name="HR, payroll and pensions")
    response = links(client_for(security_officer), incident, {"add_systems": "hr, payroll and pensions"})
    assert response.status_code == 302
    assert list(incident.systems.all()) == [hr]


def test_names_differing_only_in_case_need_the_exact_name(client_for, security_officer, incident):
    upper = SystemFactory(name="CRM")
    SystemFactory(name="crm")
    response = links(client_for(security_officer), incident, {"add_systems": "Crm"})
    assert response.status_code == 400
    assert "Write the name exactly as in the access register: Crm." in response.content.decode()
    assert links(client_for(security_officer), incident, {"add_systems": "CRM"}).status_code == 302
    assert list(incident.systems.all()) == [upper]


def test_unknown_system_names_are_named_in_the_error(client_for, security_officer, incident):
    SystemFactory(name="CRM")
    response = links(client_for(security_officer), incident, {"add_systems": "CRM, Intranet\nBilling"})
    assert response.status_code == 400
    assert "No system in the access register is named Intranet, Billing." in response.content.decode()
    assert not incident.systems.exists()


def test_unticking_a_linked_risk_or_system_removes_it(client_for, security_officer, incident):
    keep, drop = RiskFactory(reference="R-001"), RiskFactory(reference="R-002")
    crm, mail = SystemFactory(name="CRM"), SystemFactory(name="Mail")
    incident.risks.add(keep, drop)
    incident.systems.add(crm, mail)
    client = client_for(security_officer)
    shown = page(client, incident)
    assert f'name="keep_risks" value="{drop.pk}"' in shown
    assert f'name="keep_systems" value="{mail.pk}"' in shown
    response = links(client, incident, {"keep_risks": [keep.pk], "keep_systems": [crm.pk]})
    assert response.status_code == 302
    assert list(incident.risks.all()) == [keep]
    assert list(incident.systems.all()) == [crm]
    assert "risks removed: R-002; systems removed: Mail." in page(client, incident)


def test_a_link_to_a_risk_the_handler_may_not_see_is_kept(client_for, incident):
    it_person = UserFactory(full_name="Ivan IT")
    incident.handler = it_person
    incident.save(update_fields=["handler"])
    hidden = RiskFactory(reference="R-090", owner=UserFactory())
    incident.risks.add(hidden)
    client = client_for(it_person)
    assert "R-090" not in page(client, incident)
    assert links(client, incident, {"add_systems": ""}).status_code == 302
    assert list(incident.risks.all()) == [hidden]


def bulk_register(risks: int, systems: int) -> None:
    owner = UserFactory()
    template = RiskFactory.build(owner=owner)
    Risk.objects.bulk_create(
        Risk(
            reference=f"R-B{n:05d}", title=f"Bulk risk {n}", owner=owner, matrix=template.matrix,
            inherent_likelihood=3, inherent_impact=3, current_likelihood=2, current_impact=2,
            status=template.status, next_review_on=template.next_review_on,
        )
        for n in range(risks)
    )  # fmt: skip
    System.objects.bulk_create(System(name=f"Bulk system {n}") for n in range(systems))


def measured(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(response.content), len(captured)


def test_the_page_stays_small_with_thousands_of_risks_and_systems(client_for, security_officer, incident):
    incident.risks.add(RiskFactory(reference="R-001"))
    incident.systems.add(SystemFactory(name="CRM"))
    assign_perm("incidents.view_confidential_incident", UserFactory(), incident)
    client = client_for(security_officer)
    url = reverse("incidents:detail", args=[incident.pk])
    client.get(url)  # a session's first request also records it
    RiskFactory()
    small_size, small_queries = measured(client, url)  # 2 risks
    bulk_register(2000, 500)
    large_size, large_queries = measured(client, url)
    assert large_queries == small_queries
    assert large_size < 100_000
    assert large_size - small_size < 1_000
