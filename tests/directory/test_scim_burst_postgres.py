"""An import burst on PostgreSQL: hundreds of people (10,000 with DPMS_SCIM_BURST=10000) created one
request after another, as an IdP's first sync sends them, with bad requests among them; every good one lands
whole, every bad one is a SCIM error that leaves nothing behind, and the audit trail's chain holds."""

import os

import pytest

from directory.models import DirectoryUser, ScimRequest
from dpms import audit
from dpms.models import User
from tests.directory.conftest import USER

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

# 10,000 took 25 minutes on a shared two-core machine (README); CI sends 500, enough for the refusals and the
# chain among them, unless DPMS_SCIM_BURST says more.
BURST = int(os.environ.get("DPMS_SCIM_BURST", "500"))


def test_a_burst_of_people_lands_whole_and_refusals_leave_nothing(requires_postgres, scim, connection):
    refused = 0
    for number in range(BURST):
        email = f"burst{number:05}@acme-corp.com"
        body = {"schemas": [USER], "userName": email, "emails": [{"value": email, "primary": True}]}
        if number % 100 == 99:  # now and then the IdP sends the same person twice, or garbage
            assert scim("POST", "Users", body).status_code == 201
            assert scim("POST", "Users", body).json()["scimType"] == "uniqueness"
            assert scim("POST", "Users", raw=b'{"userName": ').json()["scimType"] == "invalidSyntax"
            refused += 2
            continue
        response = scim("POST", "Users", body)
        assert response.status_code == 201, response.content

    assert DirectoryUser.objects.filter(connection=connection).count() == BURST
    assert User.objects.filter(email__startswith="burst").count() == BURST
    assert ScimRequest.objects.filter(connection=connection, status__gte=400).count() == refused
    last_ten = f"burst{BURST - 10:05}"[:-1]
    listed = scim("GET", f'Users?filter=userName sw "{last_ten}"&count=1000').json()
    assert listed["totalResults"] == 10
    assert audit.verify().ok
