"""Progress tallies: how many items of a campaign each reviewer holds with each decision
(``ReviewTally``), so that the campaign pages read a few rows per reviewer instead of counting every item.

Two ways to keep them true, both inside the caller's transaction:
- ``tally_moves``: one item changed its decision or its reviewer; the two rows move by one. Used by the
  decisions and reassignments, which lock their items first.
- ``tally_recount``: rebuild a campaign's rows from its items. Used after the writes that touch many items
  at once: the end of a launch, a mover review, the defaults applied at close.
"""

from collections import Counter
from collections.abc import Iterable

from django.db.models import Count, Exists, F, OuterRef

from access.choices import Decision
from access.models import ReviewCampaign, ReviewItem, ReviewTally
from dpms import notify
from dpms.models import User

# (campaign id, reviewer id, decision)
TallyKey = tuple[int, int, str]


def tally_key(item: ReviewItem) -> TallyKey:
    return (item.campaign_id, item.reviewer_id, item.decision)


def tally_moves(moves: Iterable[tuple[TallyKey, TallyKey]]) -> None:
    """Move items between tallies: each ``(before, after)`` is one item's key before and after its change."""
    deltas: Counter[TallyKey] = Counter()
    for before, after in moves:
        if before != after:
            deltas[before] -= 1
            deltas[after] += 1
    changed = sorted(key for key, delta in deltas.items() if delta)
    if not changed:
        return
    ReviewTally.objects.bulk_create(
        [
            ReviewTally(campaign_id=c, reviewer_id=r, decision=d)
            for c, r, d in changed
            if deltas[(c, r, d)] > 0
        ],
        ignore_conflicts=True,  # the row exists already: the update below moves it
    )
    # Always in the same order (campaign, reviewer, decision): two transactions moving items of the same
    # reviewer in opposite directions (keep -> revoke and revoke -> keep) wait for each other instead of
    # each holding one row the other needs (a deadlock).
    for campaign_id, reviewer_id, decision in changed:
        ReviewTally.objects.filter(
            campaign_id=campaign_id, reviewer_id=reviewer_id, decision=decision
        ).update(items=F("items") + deltas[(campaign_id, reviewer_id, decision)])
    _withdraw_settled_reminders(
        {(c, r) for (c, r, d) in changed if d == Decision.PENDING and deltas[(c, r, d)] < 0}
    )


def _withdraw_settled_reminders(pairs: set[tuple[int, int]]) -> None:
    """A reviewer whose pending tally just fell to nothing owes the campaign's reminders no more: one UPDATE
    each, checking the tally inside it (usually one reviewer: the one deciding)."""
    for campaign_id, reviewer_id in sorted(pairs):
        still_pending = ReviewTally.objects.filter(
            campaign_id=campaign_id, reviewer_id=OuterRef("pk"), decision=Decision.PENDING, items__gt=0
        )
        done = User.objects.filter(pk=reviewer_id).exclude(Exists(still_pending))
        notify.withdraw(ReviewCampaign(pk=campaign_id), recipients=done)


def tally_recount(*, campaign_id: int) -> None:
    """Rebuild a campaign's tallies from its items (one grouped query over the campaign's index)."""
    rows = (
        ReviewItem.objects.filter(campaign_id=campaign_id)
        .values("reviewer_id", "decision")
        .annotate(n=Count("pk"))
        .order_by()
    )
    tallies = [
        ReviewTally(
            campaign_id=campaign_id, reviewer_id=row["reviewer_id"], decision=row["decision"], items=row["n"]
        )
        for row in rows
    ]
    ReviewTally.objects.filter(campaign_id=campaign_id).delete()
    ReviewTally.objects.bulk_create(tallies, batch_size=1000)
