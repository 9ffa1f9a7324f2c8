"""seed_demo adds about 40 incidents in every state, with a running breach clock and a SEV1 in
mid-escalation; a second run creates nothing."""

import pytest
from django.utils import timezone

from incidents.choices import Status
from incidents.models import Incident, IncidentEscalation, IncidentEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(demo):
    """What seed_demo printed; the demo is seeded once for this module (``demo`` in tests/conftest.py)."""
    return demo.output


def test_adds_about_forty_incidents_in_every_state(seeded):
    incidents = Incident.objects.all()
    assert 35 <= incidents.count() <= 45
    assert set(incidents.values_list("status", flat=True)) == set(Status.values)
    assert all(incident.events.exists() for incident in incidents)
    assert "demo incidents" in seeded


def test_references_grow_with_the_report_time(seeded):
    # Incidents reported at the same moment keep the order they were created in.
    by_time = list(Incident.objects.order_by("reported_at", "pk").values_list("reference", flat=True))
    assert by_time == sorted(by_time, key=lambda ref: (ref[4:8], int(ref[9:])))
    assert len(set(by_time)) == len(by_time)


def test_a_breach_clock_is_running_and_a_sev1_is_mid_escalation(seeded):
    now = timezone.now()
    running = Incident.objects.get(is_breach=True, authority_decision="")
    assert running.aware_at < now < running.authority_deadline
    assert running.breach_reminder_hours == 24

    sev1 = Incident.objects.get(severity=1, acknowledged_at__isnull=True, status=Status.TRIAGED)
    assert IncidentEscalation.objects.filter(incident=sev1).count() == 2
    assert sev1.next_escalation_at > now
    assert IncidentEvent.objects.filter(incident=sev1, kind="escalation").count() == 2


def test_the_other_open_incidents_escalate_from_the_first_tick(seeded):
    from incidents.services.escalation import escalate_due

    untriaged = Incident.objects.filter(status=Status.REPORTED)
    assert untriaged.exists()
    assert not untriaged.filter(next_escalation_at__isnull=True).exists()
    assert escalate_due(now=timezone.now()) > 0
    assert escalate_due(now=timezone.now()) == 0  # once


def test_closed_incidents_carry_root_causes_and_sev1_sev2_reviews(seeded):
    for incident in Incident.objects.filter(status=Status.CLOSED):
        assert incident.root_cause
        assert incident.lessons_learned
        if incident.severity in (1, 2):
            assert hasattr(incident, "review")


def test_a_second_run_creates_nothing(demo):
    before = (Incident.objects.count(), IncidentEvent.objects.count())
    output = demo.seed()
    assert (Incident.objects.count(), IncidentEvent.objects.count()) == before
    assert "nothing changed" in output
