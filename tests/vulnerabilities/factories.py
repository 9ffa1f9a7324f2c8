"""factory_boy factories of the vulnerabilities app's rows, written directly (fixtures); code under test
records vulnerabilities through vulnerabilities.services."""

import factory
from django.utils import timezone

from tests.access.factories import SystemFactory
from vulnerabilities.choices import ComponentSource, Severity, VulnerabilitySource, VulnerabilityStatus
from vulnerabilities.models import Component, Vulnerability


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component

    system = factory.SubFactory(SystemFactory)
    name = factory.Sequence(lambda n: f"package-{n}")
    version = "1.0.0"
    ecosystem = "pypi"
    purl = factory.LazyAttribute(lambda c: f"pkg:pypi/{c.name}@{c.version}")
    licence = "MIT"
    source = ComponentSource.MANUAL


class VulnerabilityFactory(factory.django.DjangoModelFactory):
    """A vulnerability row as the services would leave it (a high, 7.5, new); pass ``due_at`` and friends
    for the state a test needs."""

    class Meta:
        model = Vulnerability

    reference = factory.Sequence(lambda n: f"VULN-2026-T{n:04d}")
    identifier = factory.Sequence(lambda n: f"CVE-2026-{10000 + n}")
    title = factory.Sequence(lambda n: f"Flaw {n}")
    system = factory.SubFactory(SystemFactory)
    component = None
    component_version = factory.LazyAttribute(lambda o: o.component.version if o.component else "")
    source = VulnerabilitySource.MANUAL
    cvss_vector = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N"
    cvss_version = "3.1"
    cvss_score = 7.5
    scored_severity = Severity.HIGH
    severity = Severity.HIGH
    status = VulnerabilityStatus.NEW
    owner = factory.SelfAttribute("system.owner")
    first_seen_at = factory.LazyFunction(timezone.now)
    last_seen_at = factory.LazyFunction(timezone.now)
