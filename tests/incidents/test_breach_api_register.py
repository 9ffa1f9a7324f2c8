"""The breach register through the API: every breach the caller may see, filtered by the page's form, for
security officers and auditors, in a fixed number of queries."""

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents.choices import AuthorityDecision, Status
from incidents.models import Incident
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db

REGISTER = reverse("api:incident-breach-register")


def breach(**extra):
    now = timezone.now()
    fields = {"is_breach": True, "aware_at": now, "authority_deadline": Incident.authority_deadline_for(now)}
    return fields | extra


def test_officers_and_auditors_read_the_register_filtered_like_the_page(
    staff, manager, security_officer, auditor
):
    running = incident_at(Status.TRIAGED, reporter=staff, handler=manager, **breach())
    decided = incident_at(
        Status.TRIAGED,
        reporter=staff,
        handler=manager,
        **breach(authority_decision=AuthorityDecision.NOT_REQUIRED),
    )
    incident_at(Status.TRIAGED, reporter=staff, handler=manager)  # not a breach
    secret = incident_at(Status.TRIAGED, reporter=staff, handler=manager, confidential=True, **breach())
    officer = api_client(token_for(security_officer)[1])
    assert {row["id"] for row in officer.get(REGISTER).json()["results"]} == {running.pk, decided.pk}
    rows = officer.get(REGISTER, {"state": "running"}).json()["results"]
    assert [(row["reference"], row["authority_on_time"]) for row in rows] == [(running.reference, "pending")]
    assert officer.get(REGISTER, {"state": "nope"}).status_code == 400
    everything = api_client(token_for(auditor)[1]).get(REGISTER).json()["results"]
    assert {row["id"] for row in everything} == {running.pk, decided.pk, secret.pk}
    for person in (staff, manager):
        assert api_client(token_for(person)[1]).get(REGISTER).status_code == 403


@pytest.mark.parametrize("rows", [10, 1000])
def test_a_fixed_number_of_queries(rows, staff, manager, security_officer, django_assert_num_queries):
    Incident.objects.bulk_create(
        IncidentFactory.build_batch(rows, reported_by=staff, handler=manager, **breach())
    )
    api = api_client(token_for(security_officer)[1])
    api.get(REGISTER)  # the first use notes the time and address (once a minute)
    # token with its owner (1), the caller's portal roles (1), a page of breaches with the handler and the
    # people who decided joined (1)
    with django_assert_num_queries(3):
        assert len(api.get(REGISTER + "?page_size=200").json()["results"]) == min(rows, 200)
