"""A token's writes land in the audit trail as source "api", naming the token, with the request id; its
owner, security officers and auditors see them under the token's requests with the events they caused."""

import pytest
from django.urls import reverse

from dpms.models import AuditEvent, AuditSource
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def revoked_through_the_api(staff):
    """``staff`` revokes one of their tokens with another, read-write one."""
    worker, text = token_for(staff, read_only=False, name="nightly import")
    spare, _ = token_for(staff, name="spare")
    response = api_client(text).post(
        reverse("api:token-revoke", args=[spare.pk]), HTTP_X_REQUEST_ID="req-abc-12345"
    )
    assert response.status_code == 200
    assert response.json()["revoked_at"] is not None
    return worker, spare


def test_the_write_is_audited_as_api_naming_the_token_and_request(revoked_through_the_api, staff):
    worker, spare = revoked_through_the_api
    event = AuditEvent.objects.get(action="people.api_token.revoke")
    assert event.source == AuditSource.API
    assert event.request_id == "req-abc-12345"
    assert event.actor == staff
    assert event.actor_label.endswith(f"via API token #{worker.pk} nightly import")


def test_the_request_history_lists_the_write_with_its_audit_events(
    revoked_through_the_api, client_for, staff
):
    worker, spare = revoked_through_the_api
    row = worker.requests.get()
    assert (row.method, row.status, row.request_id) == ("POST", 200, "req-abc-12345")
    page = client_for(staff).get(reverse("api_token_requests", args=[worker.pk])).content.decode()
    assert f"POST {reverse('api:token-revoke', args=[spare.pk])}" in page
    assert "people.api_token.revoke" in page


@pytest.mark.parametrize(
    ("persona", "status"), [("auditor", 200), ("security_officer", 200), ("manager", 404), ("outsider", 404)]
)
def test_who_reads_a_tokens_requests(revoked_through_the_api, client_for, personas, persona, status):
    worker, _spare = revoked_through_the_api
    assert (
        client_for(personas[persona]).get(reverse("api_token_requests", args=[worker.pk])).status_code
        == status
    )


def test_reads_are_not_in_the_history(staff):
    token, text = token_for(staff)
    api_client(text).get(reverse("api:person-list"))
    assert not token.requests.exists()


def test_a_refused_write_is_in_the_history_with_no_events(staff, outsider):
    token, text = token_for(staff, read_only=False)
    theirs, _ = token_for(outsider)
    response = api_client(text).post(reverse("api:token-revoke", args=[theirs.pk]))
    assert response.status_code == 404
    row = token.requests.get()
    assert row.status == 404
    assert row.upto_sequence == row.after_sequence
