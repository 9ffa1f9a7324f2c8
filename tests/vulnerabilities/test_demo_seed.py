"""seed_demo adds components and vulnerabilities across the severities, one past its deadline, through the
services; a second run creates nothing."""

import pytest
from django.utils import timezone

from vulnerabilities.models import Component, Vulnerability

pytestmark = pytest.mark.django_db


def test_vulnerabilities_across_severities_and_states(demo):
    assert "Vulnerabilities: 6 components and 6 vulnerabilities." in demo.output
    severities = set(Vulnerability.objects.values_list("severity", flat=True))
    assert {"critical", "high", "medium"} <= severities
    statuses = set(Vulnerability.objects.values_list("status", flat=True))
    assert {"new", "triaged", "in_remediation", "fixed", "false_positive"} <= statuses
    assert Vulnerability.objects.exclude(reference__startswith="VULN-").count() == 0


def test_one_is_past_its_deadline(demo):
    overdue = Vulnerability.objects.filter(status="triaged", due_at__lte=timezone.now())
    assert [v.identifier for v in overdue] == ["CVE-2021-44228"]


def test_a_second_run_creates_nothing(demo):
    before = (Component.objects.count(), Vulnerability.objects.count())
    assert "Vulnerabilities: the demo data exists already; nothing changed." in demo.seed()
    assert (Component.objects.count(), Vulnerability.objects.count()) == before
