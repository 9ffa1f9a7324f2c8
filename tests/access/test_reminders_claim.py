"""Claiming the reviewers to remind: on PostgreSQL, one join over the items, whatever their number."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.choices import Decision
from dpms.notify import claim_digest_recipients
from tests.access.closing_support import campaign_with_items
from tests.factories import UserFactory
from tests.plans import explain

pytestmark = pytest.mark.django_db


@pytest.mark.postgres
def test_the_claim_never_checks_each_person_against_every_item(requires_postgres):
    """Reviewers and the people items were escalated to are claimed through one IN over a UNION. An OR of
    two INs cannot become a join: when the items' ids outgrow PostgreSQL's hash table (here a tiny
    ``work_mem`` here, 100,000 items at scale) the planner checks every person against every item, which took
    49 s for a tick with nothing to send."""
    reviewer = UserFactory()
    campaign = campaign_with_items(3_000, reviewer=reviewer)
    items = campaign.items.filter(decision=Decision.PENDING)
    with CaptureQueriesContext(connection) as captured:
        claimed = claim_digest_recipients(
            items, person_field=("reviewer", "escalated_to"), dedup_prefix=f"test-claim:{campaign.pk}"
        )
    assert claimed == [reviewer.pk]
    (claim,) = [query["sql"] for query in captured.captured_queries if "FOR UPDATE" in query["sql"]]
    small_memory = ("work_mem = '64kB'", "hash_mem_multiplier = 1")
    plan = explain(claim, analyze=("access_reviewitem",), settings=small_memory)
    assert not re.search(r"\(SubPlan \d+\)", plan), plan  # no subquery run again for each person


@pytest.mark.postgres
def test_the_tick_claims_through_one_join_over_the_items_too(requires_postgres):
    """The tick's own claim (an INSERT … SELECT of the reviewers due) reads the people the same way."""
    from access.services.reminders import send_due_reminders

    reviewer = UserFactory()
    campaign_with_items(3_000, reviewer=reviewer)
    with CaptureQueriesContext(connection) as captured:
        assert send_due_reminders(now=timezone.now()) == 1
    sqls = [query["sql"] for query in captured.captured_queries]
    (claim,) = [sql for sql in sqls if sql.startswith('INSERT INTO "access_reminderclaim"')]
    small_memory = ("work_mem = '64kB'", "hash_mem_multiplier = 1")
    plan = explain(claim, analyze=("access_reviewitem",), settings=small_memory)
    assert not re.search(r"\(SubPlan \d+\)", plan), plan
