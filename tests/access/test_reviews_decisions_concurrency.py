"""Two submissions on one review item at once, on PostgreSQL: the item row lock makes them queue up, so one
decision per submitted state is recorded and the audit trail tells a consistent story."""

import pytest
from django.db import connection, transaction

from access.choices import Decision
from access.models import ReviewItem
from access.services.reviews import item_decide
from dpms.models import AuditEvent
from tests.access.factories import ReviewItemFactory
from tests.concurrency import at_once, start_at_once
from tests.dpms.outbox_support import wait_until

pytestmark = pytest.mark.usefixtures("requires_postgres", "transactional_db")


def blocked_on_a_row_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def item_events(item):
    return AuditEvent.objects.filter(object_type="access.reviewitem", object_id=str(item.pk)).order_by(
        "sequence"
    )


def test_a_second_identical_submission_waits_for_the_first_and_records_nothing(manager, staff):
    item = ReviewItemFactory(reviewer=manager, grant__user=staff)

    def decide():
        return item_decide(item=item, actor=manager, decision=Decision.REVOKE, justification="Not needed.")

    with transaction.atomic():
        decide()
        second = start_at_once(decide)
        # The second submission waits on the first one's lock instead of reading a stale 'pending'.
        assert wait_until(blocked_on_a_row_lock)
    second.wait()  # raises if the second submission failed
    assert item_events(item).count() == 1
    item.refresh_from_db()
    assert (item.decision, item.decided_by) == (Decision.REVOKE, manager)


def test_reviewer_and_security_officer_at_once_leave_one_consistent_decision(
    manager, staff, security_officer
):
    item = ReviewItemFactory(reviewer=manager, grant__user=staff)

    def as_person(actor, decision, justification):
        def decide():
            return item_decide(item=item, actor=actor, decision=decision, justification=justification)

        return decide

    at_once(  # raises if either of them failed
        as_person(manager, Decision.KEEP, ""),
        as_person(security_officer, Decision.REVOKE, "Left the project."),
    )
    events = list(item_events(item))
    assert len(events) == 2
    # The later event starts from the earlier one's result: neither overwrote the other unseen.
    assert events[1].changes["decision"][0] == events[0].changes["decision"][1]
    item = ReviewItem.objects.get(pk=item.pk)
    assert item.decision == events[1].changes["decision"][1]
    assert item.override == (events[1].action == "access.item.override")
