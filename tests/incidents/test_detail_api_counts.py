"""The incident's smaller lists (its files, follow-up actions and shares) run a fixed number of queries
however many rows they have."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from incidents.choices import Status
from incidents.models import FollowUpAction, IncidentAttachment
from incidents.queries.visibility import SHARE_PERMISSION
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("rows", [10, 1000])
def test_files_followups_and_shares(rows, staff, security_officer, django_assert_num_queries):
    incident = incident_at(Status.INVESTIGATING, reporter=staff, handler=security_officer)
    IncidentAttachment.objects.bulk_create(
        IncidentAttachment(
            incident=incident, file=f"x/{n}", original_name=f"{n}.txt", content_type="text/plain", size=1,
            sha256="0" * 64, uploaded_by=staff,
        )
        for n in range(rows)
    )  # fmt: skip
    FollowUpAction.objects.bulk_create(
        FollowUpActionFactory.build_batch(rows, incident=incident, owner=staff)
    )
    people = UserFactory.create_batch(min(rows, 30))  # guardian rows: one per person shared with
    for person in people:
        assign_perm(f"incidents.{SHARE_PERMISSION}", person, incident)
    api = api_client(token_for(security_officer)[1])
    api.get(reverse("api:incident-detail", args=[incident.pk]))  # notes the token's use (once a minute)
    # token with its owner (1), the caller's portal roles (1), the incident with its people (1), and the rows
    # (1; the files also ask whether the caller sees the internal ones: the handler does, with no query)
    for name, count in (("attachments", rows), ("followups", rows), ("shares", len(people))):
        with django_assert_num_queries(4):
            assert len(api.get(reverse(f"api:incident-{name}", args=[incident.pk])).json()) == count
