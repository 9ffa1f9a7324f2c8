"""dpms.audit.record: one complete, chained, append-only event per call; the request id travels with it."""

import hashlib

import pytest
from django.db import transaction
from django.urls import reverse

from dpms import audit
from dpms.context import origin
from dpms.models import AuditEvent, AuditTrailImmutable
from tests.factories import UserFactory, audit_event

pytestmark = pytest.mark.django_db


def test_record_writes_one_event_with_every_field(staff, manager):
    before = AuditEvent.objects.count()
    with origin("task", request_id="req-12345678", client_ip="192.0.2.7"):
        event = audit_event(
            action="dpms.user.update", actor=manager, obj=staff, changes={"team": ["Finance", "Sales"]}
        )

    assert AuditEvent.objects.count() == before + 1
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_id == manager.pk
    assert stored.actor_label == "Mona Manager <mona.manager@example.com>"
    assert stored.action == "dpms.user.update"
    assert stored.object_type == "dpms.user"
    assert (stored.object_id, stored.object_label) == (str(staff.pk), "Sam Staff")
    assert stored.changes == {"team": ["Finance", "Sales"]}
    assert (stored.source, stored.request_id, stored.client_ip) == ("task", "req-12345678", "192.0.2.7")
    assert stored.hash == hashlib.sha256(audit.canonical(stored)).hexdigest()
    assert len(stored.hash) == 64


def test_events_outside_a_request_are_marked_cli():
    event = audit_event(action="demo.seed")
    assert event.source == "cli"
    assert event.actor is None
    assert event.actor_label == ""


def test_sequence_is_monotonic_and_each_event_links_to_the_one_before():
    first, second, third = (audit_event(action=f"test.step{n}") for n in range(3))
    assert (second.sequence, third.sequence) == (first.sequence + 1, first.sequence + 2)
    assert second.prev_hash == first.hash
    assert third.prev_hash == second.hash
    assert audit.verify().ok


def test_the_first_event_links_to_the_genesis_hash():
    assert not AuditEvent.objects.exists()
    assert audit_event().prev_hash == audit.GENESIS_HASH


def test_a_stored_event_cannot_be_saved_again():
    event = AuditEvent.objects.get(pk=audit_event(object_label="original").pk)
    event.object_label = "rewritten"
    with pytest.raises(AuditTrailImmutable):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).object_label == "original"


def test_an_event_cannot_be_deleted():
    event = audit_event()
    with pytest.raises(AuditTrailImmutable):
        event.delete()
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.filter(pk=event.pk).delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_is_refused():
    event = audit_event(action="test.original")
    with pytest.raises(AuditTrailImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(action="test.rewritten")
    assert AuditEvent.objects.get(pk=event.pk).action == "test.original"


def test_the_actor_label_outlives_the_deleted_user():
    leaver = UserFactory(email="lee.leaver@example.com", full_name="Lee Leaver")
    event = audit_event(action="test.done", actor=leaver)

    leaver.delete()

    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.actor_label == "Lee Leaver <lee.leaver@example.com>"
    assert audit.verify().ok, "deleting a person must not rewrite (and so break) the events they caused"


def test_an_event_in_a_rolled_back_transaction_leaves_no_trace_and_no_gap():
    committed = audit_event(action="test.kept")

    def failing_business_change():
        with transaction.atomic():
            audit.record(action="test.rolled_back")
            raise RuntimeError("the business change failed")

    with pytest.raises(RuntimeError):
        failing_business_change()

    assert not AuditEvent.objects.filter(action="test.rolled_back").exists()
    following = audit_event(action="test.after")
    assert following.sequence == committed.sequence + 1
    assert following.prev_hash == committed.hash
    assert audit.verify().ok


def test_a_well_formed_request_id_is_kept_and_lands_in_the_event(client, staff):
    # A refused page is recorded (security.access_denied) during the request, so its event carries the id.
    client.force_login(staff)
    response = client.get(reverse("audit_trail"), headers={"X-Request-ID": "upstream-proxy-4711"})

    assert response.status_code == 403
    assert response["X-Request-ID"] == "upstream-proxy-4711"
    event = AuditEvent.objects.get(action="security.access_denied")
    assert event.request_id == "upstream-proxy-4711"
    assert event.source == "web"
    assert event.client_ip == "127.0.0.1"


@pytest.mark.parametrize("incoming", ["short", "has spaces in it", "x" * 65, "<script>alert(1)</script>"])
def test_a_malformed_request_id_is_replaced_by_a_generated_one(client, staff, incoming):
    client.force_login(staff)
    response = client.get(reverse("audit_trail"), headers={"X-Request-ID": incoming})

    generated = response["X-Request-ID"]
    assert generated != incoming
    assert len(generated) == 32
    assert int(generated, 16) >= 0
    assert AuditEvent.objects.get(action="security.access_denied").request_id == generated


def test_every_response_gets_a_request_id(client):
    first = client.get(reverse("account_login"))["X-Request-ID"]
    second = client.get(reverse("account_login"))["X-Request-ID"]
    assert first
    assert second
    assert first != second


def test_an_ipv6_address_is_stored_as_hashed_so_the_chain_verifies(client_for, security_officer):
    """The database normalises IPv6; the trail hashes the same normalised form."""
    from dpms import audit as trail
    from dpms.context import origin
    from dpms.middleware import normalise_ip

    assert normalise_ip("2001:DB8:0:0:0:0:0:1") == "2001:db8::1"
    assert normalise_ip("203.0.113.7:51234") == "203.0.113.7"
    assert normalise_ip("not an address") is None
    with origin("web", client_ip=normalise_ip("2001:DB8:0:0::1")), transaction.atomic():
        trail.record(action="test.ipv6")
    assert trail.verify().ok


def test_anonymous_refusals_are_recorded_at_most_once_a_minute_per_address():
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    for _ in range(5):
        assert (
            client.post(reverse("account_login"), {"login": "x@example.com", "password": "y"}).status_code
            == 403
        )
    assert AuditEvent.objects.filter(action="security.access_denied").count() == 1
