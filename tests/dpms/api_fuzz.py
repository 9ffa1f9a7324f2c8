"""schemathesis against the API in-process (the WSGI app, its real database and rules), once per persona:
every operation of the OpenAPI schema with generated valid and invalid input, checking that the API never
answers 5xx and that every answer (status, headers, body) is what the schema says.

Six personas (staff, a manager, a security officer, an auditor, an admin, a read-only token) each get
``API_FUZZ_EXAMPLES`` examples per operation: 100 in CI (``DPMS_REQUIRE_SERVICES`` set), with schemathesis'
coverage phase (every boundary of every parameter) on top. A plain ``make test`` keeps the newcomer's suite
fast: staff only, 2 examples per operation (``API_FUZZ_ALL=1`` runs every persona). The seed is fixed
(hypothesis' ``derandomize``), so a failure found once is found again."""

import os
from contextlib import contextmanager

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.config import SchemathesisConfig

from dpms.wsgi import application
from tests.dpms.api_support import token_for

IN_CI = bool(os.environ.get("DPMS_REQUIRE_SERVICES"))
EVERY_PERSONA = IN_CI or bool(os.environ.get("API_FUZZ_ALL"))
EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES") or (100 if IN_CI else 2))

# The coverage phase (every boundary of every parameter, dozens of cases per operation whatever the number
# of examples) runs in CI; a plain make test leaves it out.
schema = schemathesis.openapi.from_wsgi(
    "/api/schema/?format=json",
    application,
    config=SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": IN_CI}}}),
)
# "A request the schema allows must be accepted" cannot hold here: the API checks input against the database
# too (a system id that exists, a role of that system, the person's right to act), which no schema says.
EXCLUDED = [schemathesis.checks.positive_data_acceptance]


@contextmanager
def connection_kept():
    """The WSGI handler closes old database connections as a request starts and ends, which would close the
    test's own connection mid-transaction; Django's test client stops that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


TOKEN = pytest.StashKey[str]()


def fuzz_test(persona: str, *, read_only: bool = False, everywhere: bool = False):
    """A schemathesis test of every operation as ``persona`` (a conftest fixture) with a token of theirs,
    made once per operation's test (its examples share it, and the test's database transaction). Only an
    ``everywhere`` one runs on a plain ``make test``; the others in CI (or with ``API_FUZZ_ALL=1``)."""

    @schema.parametrize()
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @pytest.mark.django_db
    @pytest.mark.skipif(
        not (everywhere or EVERY_PERSONA),
        reason="fuzzed as this persona in CI; API_FUZZ_ALL=1 runs it here (make test fuzzes as staff)",
    )
    def test(case, request):
        if TOKEN not in request.node.stash:
            person = request.getfixturevalue(persona)
            request.node.stash[TOKEN] = token_for(person, read_only=read_only, name="fuzz")[1]
        with connection_kept():
            headers = {"Authorization": f"Bearer {request.node.stash[TOKEN]}"}
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)

    return test
