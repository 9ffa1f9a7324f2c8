"""Demo data of the vulnerabilities app for ``manage.py seed_demo``: a few components on three of the access
register's demo systems, and vulnerabilities across the severities in different states, one of them past its
remediation deadline (its system gets the finding at the next tick).

Everything goes through the app's services (the same validation, scoring, deadlines and audit events as a
person's change; the actor is the system). Safe to run twice: a vulnerability is looked up by its system and
identifier, a component by its package URL, and only missing ones are created.
"""

import datetime

from django.utils import timezone

from access.models import System
from vulnerabilities.models import Component, Vulnerability
from vulnerabilities.services import components, register

DAY = datetime.timedelta(days=1)
AWS, K8S, SALESFORCE = "AWS Production", "Kubernetes prod (EKS)", "Salesforce"

COMPONENTS = {
    K8S: (
        ("django", "4.2.7", "pkg:pypi/django@4.2.7", "BSD-3-Clause"),
        ("requests", "2.31.0", "pkg:pypi/requests@2.31.0", "Apache-2.0"),
        ("jinja2", "3.1.2", "pkg:pypi/jinja2@3.1.2", "BSD-3-Clause"),
        ("openssl", "3.0.11", "pkg:deb/debian/openssl@3.0.11", "Apache-2.0"),
    ),
    AWS: (
        ("log4j-core", "2.14.1", "pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1", "Apache-2.0"),
        ("lodash", "4.17.20", "pkg:npm/lodash@4.17.20", "MIT"),
    ),
}

# (system, identifier, title, component name, source, vector, days since first seen, what happened to it)
VULNERABILITIES = (
    (AWS, "CVE-2021-44228", "Log4Shell: remote code execution through JNDI lookups in log messages",
     "log4j-core", "scanner", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 20, "overdue"),
    (K8S, "CVE-2023-46695", "Django: denial of service in UsernameField on Windows",
     "django", "scanner", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 6, "triaged"),
    (K8S, "CVE-2024-35195", "Requests: certificate verification stays off for a session after one call",
     "requests", "scanner", "CVSS:3.1/AV:L/AC:H/PR:H/UI:R/S:U/C:H/I:H/A:N", 12, "in_remediation"),
    (K8S, "CVE-2024-22195", "Jinja2: cross-site scripting through the xmlattr filter",
     "jinja2", "scanner", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:L/I:L/A:N", 40, "fixed"),
    (AWS, "CVE-2021-23337", "Lodash: command injection through the template function",
     "lodash", "scanner", "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", 2, "new"),
    (SALESFORCE, "", "Customer portal shows another customer's case number in an error message",
     None, "pentest", "CVSS:4.0/AV:N/AC:L/AT:N/PR:L/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N", 9, "false_positive"),
)  # fmt: skip


def _components(systems: dict[str, System]) -> int:
    created = 0
    for name, packages in COMPONENTS.items():
        system = systems.get(name)
        if system is None:
            continue
        have = set(Component.objects.filter(system=system).values_list("purl", flat=True))
        for package, version, purl, licence in packages:
            if purl not in have:
                components.component_add(
                    actor=None, system=system, name=package, version=version, purl=purl, licence=licence
                )
                created += 1
    return created


def _vulnerability(spec, systems, now) -> bool:
    system_name, identifier, title, package, source, vector, days_ago, state = spec
    system = systems.get(system_name)
    if system is None:
        return False
    if Vulnerability.objects.filter(system=system, title=title).exists():
        return False
    component = Component.objects.filter(system=system, name=package).first() if package else None
    seen = now - days_ago * DAY
    vulnerability = register.vulnerability_create(
        actor=None, system=system, title=title, source=source, identifier=identifier, component=component,
        cvss_vector=vector, seen_at=seen, now=seen,
    )  # fmt: skip
    if state == "new":
        return True
    # Triaged a day after it was seen: a critical one seen 20 days ago is past its 7 (or 4) days.
    vulnerability = register.vulnerability_triage(actor=None, vulnerability=vulnerability, now=seen + DAY)
    if state == "in_remediation":
        register.vulnerability_start_remediation(actor=None, vulnerability=vulnerability, now=seen + 2 * DAY)
    elif state == "fixed":
        register.vulnerability_mark_fixed(
            actor=None, vulnerability=vulnerability, note="Upgraded to 3.1.3", now=seen + 10 * DAY
        )
    elif state == "false_positive":
        register.vulnerability_mark_false_positive(
            actor=None, vulnerability=vulnerability, now=seen + 2 * DAY,
            reason="The case number shown is the reporter's own; no other customer's data is exposed.",
        )  # fmt: skip
    return True


def seed_vulnerabilities_demo(*, stdout=None) -> dict:
    """The ``seed_demo`` seeder of the vulnerabilities app. Returns what it created."""
    systems = {system.name: system for system in System.objects.filter(name__in=[AWS, K8S, SALESFORCE])}
    if not systems:
        return {}  # not the demo organisation: no systems to hang the vulnerabilities on
    now = timezone.now()
    created = {
        "components": _components(systems),
        "vulnerabilities": sum(_vulnerability(spec, systems, now) for spec in VULNERABILITIES),
    }
    if stdout is not None:
        if any(created.values()):
            stdout.write(
                f"Vulnerabilities: {created['components']} components and "
                f"{created['vulnerabilities']} vulnerabilities."
            )
        else:
            stdout.write("Vulnerabilities: the demo data exists already; nothing changed.")
    return created
