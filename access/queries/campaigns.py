"""Reads of campaigns: who may see and manage policies and campaigns, the campaign list and dashboard.

Security officers manage policies and campaigns; auditors read them; everyone else gets a 403 (these are
administration pages, not objects owned by anyone). Every aggregate is computed in the database, so a page
costs the same number of queries for 10 items as for 100,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from access.choices import Decision
from access.models import ReviewCampaign, ReviewItem, ReviewTally
from access.queries.register import count_subquery

FLAGGED_LIMIT = 25  # per list on the detail page; the counts say how many there are in all


def can_read_campaigns(user) -> bool:
    return user.is_authenticated and (user.is_security_officer or user.is_auditor)


def can_manage_campaigns(user) -> bool:
    return user.is_authenticated and user.is_security_officer


def require_read(user) -> None:
    if not can_read_campaigns(user):
        raise PermissionDenied(_("Only security officers and auditors see review policies and campaigns."))


def require_manage(user) -> None:
    if not can_manage_campaigns(user):
        raise PermissionDenied(_("Only security officers change review policies and launch campaigns."))


# --- Campaigns --------------------------------------------------------------------------
CAMPAIGN_SORTS = {
    "launched": "launched_at",
    "-launched": "-launched_at",
    "due": "due_at",
    "-due": "-due_at",
    "name": "name",
    "-name": "-name",
}


def _tally_sum(tallies: QuerySet[ReviewTally]):
    """A correlated SUM over a campaign's tallies (a few rows per reviewer), 0 when there are none."""
    summed = tallies.order_by().values("campaign").annotate(n=Sum("items")).values("n")
    return Coalesce(Subquery(summed, output_field=IntegerField()), Value(0))


def _with_progress(campaigns: QuerySet[ReviewCampaign]) -> QuerySet[ReviewCampaign]:
    """Item counts of each campaign, summed from its tallies (``ReviewTally``: a few rows per reviewer,
    kept by the services), never by counting the items of a campaign of 100,000.

    ``item_count`` all items; ``reviewed_count`` decided by a person; ``defaulted_count`` took the
    default at close (nobody decided them); ``pending_count`` not decided yet; ``decided_count``
    (reviewed + defaulted) is kept for callers that ask whether anything is left, never shown as progress."""
    tallies = ReviewTally.objects.filter(campaign=OuterRef("pk"))
    # A closed campaign knows how many items took the default (``defaulted_items``), whatever the default
    # decision was: a default of "keep" or "revoke" is no more a review than "no response". Before the
    # close, the undecided items are pending and only a "no response" is a default.
    return campaigns.annotate(
        item_count=_tally_sum(tallies),
        decided_count=_tally_sum(tallies.exclude(decision=Decision.PENDING)),
        defaulted_count=Coalesce(
            F("defaulted_items"), _tally_sum(tallies.filter(decision=Decision.NO_RESPONSE))
        ),
        pending_count=_tally_sum(tallies.filter(decision=Decision.PENDING)),
    ).annotate(reviewed_count=F("decided_count") - F("defaulted_count"))


class NumbersWording:
    """How ``_numbers.html`` words a campaign's numbers in the active language: its five sentences
    translated and the reader's number format looked up once, for every set of numbers a page writes (the
    campaign page writes 51: its own and 50 reviewers'), instead of once a set."""

    def __init__(self):
        self.bar = _(
            "%(reviewed)s%% reviewed by a person, %(defaulted)s%% defaulted (no response), %(pending)s%% "
            "pending"
        )
        self.reviewed = _("%(percent)s%% reviewed")
        self.by_a_person = _("%(reviewed)s of %(total)s by a person")
        self.defaulted = _("%(count)s defaulted (no response)")
        self.pending = _("%(count)s pending")
        language = get_language()
        self._format = (
            get_format("DECIMAL_SEPARATOR", language, use_l10n=True),
            None,
            get_format("NUMBER_GROUPING", language, use_l10n=True),
            get_format("THOUSAND_SEPARATOR", language, use_l10n=True),
        )

    def whole_number(self, value: int) -> str:
        """``value`` as ``localize`` writes it (a template's ``{{ count }}``)."""
        return numberformat.format(value, *self._format, use_l10n=True)

    def words(self, numbers: CampaignNumbers) -> dict[str, str]:
        """``numbers.words``: the counts localised as a template would, the percents also plain
        (``*_width``) for the bar's geometry, and the sentences."""
        n = numbers
        reviewed, defaulted, pending = n.reviewed_percent, n.defaulted_percent, n.pending_percent
        values = (n.reviewed, n.defaulted, n.pending, n.total, reviewed, defaulted, pending)
        counts = {name: self.whole_number(value) for name, value in zip(COUNTED, values, strict=True)}
        return {
            **counts,
            "reviewed_width": str(reviewed) if reviewed else "",
            "defaulted_width": str(defaulted) if defaulted else "",
            "bar": self.bar
            % {
                "reviewed": counts["reviewed_percent"],
                "defaulted": counts["defaulted_percent"],
                "pending": counts["pending_percent"],
            },
            "reviewed_text": self.reviewed % {"percent": counts["reviewed_percent"]},
            "by_a_person": self.by_a_person % {"reviewed": counts["reviewed"], "total": counts["total"]},
            "defaulted_text": self.defaulted % {"count": counts["defaulted"]} if numbers.defaulted else "",
            "pending_text": self.pending % {"count": counts["pending"]} if numbers.pending else "",
        }


# The numbers ``CampaignNumbers.words`` writes out, in this order.
COUNTED = (
    "reviewed",
    "defaulted",
    "pending",
    "total",
    "reviewed_percent",
    "defaulted_percent",
    "pending_percent",
)


@dataclass(frozen=True)
class CampaignNumbers:
    """A campaign's items split three ways, with whole percentages that add up to 100 (or all 0)."""

    total: int
    reviewed: int
    defaulted: int
    pending: int

    @property
    def reviewed_percent(self) -> int:
        return percent(self.reviewed, self.total)

    @property
    def pending_percent(self) -> int:
        return percent(self.pending, self.total) if self.total else 0

    @property
    def defaulted_percent(self) -> int:
        # The remainder, so the three parts of a bar add up to 100 (rounding alone could give 99 or 101);
        # never more than the defaulted items justify, never below 0.
        if not self.total or not self.defaulted:
            return 0
        return max(0, 100 - self.reviewed_percent - self.pending_percent)

    @property
    def all_reviewed(self) -> bool:
        return self.reviewed == self.total

    @cached_property
    def words(self) -> dict[str, str]:
        """The numbers as ``_numbers.html`` writes them, in the active language, worked out once: the
        campaign page shows 50 reviewers' numbers, and five translated sentences and a dozen localised
        numbers a row cost the template language more than the rest of the page (``NumbersWording``;
        ``word_all`` words many sets with one)."""
        return NumbersWording().words(self)

    @staticmethod
    def word_all(many: list[CampaignNumbers]) -> None:
        """Work out the ``words`` of ``many`` numbers with one ``NumbersWording`` (the sentences translated
        and the number format looked up once for them all)."""
        wording = NumbersWording()
        for numbers in many:
            numbers.__dict__["words"] = wording.words(numbers)  # the cached_property's own place

    def as_dict(self) -> dict[str, int]:
        return {
            "total": self.total,
            "reviewed": self.reviewed,
            "defaulted": self.defaulted,
            "pending": self.pending,
            "reviewed_percent": self.reviewed_percent,
            "defaulted_percent": self.defaulted_percent,
            "pending_percent": self.pending_percent,
        }


def numbers_of(campaign: ReviewCampaign) -> CampaignNumbers:
    """The numbers of a campaign annotated by ``_with_progress`` (``campaigns_for``, ``get_campaign_for``)."""
    return CampaignNumbers(
        total=campaign.item_count,  # type: ignore[attr-defined]
        reviewed=campaign.reviewed_count,  # type: ignore[attr-defined]
        defaulted=campaign.defaulted_count,  # type: ignore[attr-defined]
        pending=campaign.pending_count,  # type: ignore[attr-defined]
    )


def campaign_numbers(campaign: ReviewCampaign) -> dict[str, int]:
    """``total, reviewed, defaulted, pending`` and their ``*_percent`` of an annotated campaign."""
    return numbers_of(campaign).as_dict()


def campaigns_for(
    user, *, q: str = "", status: str = "", policy_id: int | None = None, sort: str = "-launched"
) -> QuerySet[ReviewCampaign]:
    """Campaigns with item and decided counts annotated (progress %), filtered and sorted."""
    require_read(user)
    campaigns = _with_progress(ReviewCampaign.objects.select_related("policy"))
    if q:
        campaigns = campaigns.filter(name__icontains=q)
    if status:
        campaigns = campaigns.filter(status=status)
    if policy_id:
        campaigns = campaigns.filter(policy_id=policy_id)
    return campaigns.order_by(CAMPAIGN_SORTS.get(sort, "-launched_at"), "-pk")


def get_campaign_for(user, pk: int, *, progress: bool = True) -> ReviewCampaign:
    """A campaign ``user`` may read (403 for anyone else, 404 when it does not exist), with its item counts
    summed from its tallies (``numbers_of``); without ``progress`` for a caller that reads them from
    ``campaign_dashboard`` already (the campaign page: four correlated sums less to build and run)."""
    require_read(user)
    campaigns = ReviewCampaign.objects.select_related("policy", "launched_by", "closed_by")
    return get_object_or_404(_with_progress(campaigns) if progress else campaigns, pk=pk)


def percent(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@dataclass
class ReviewerProgress:
    reviewer_id: int
    name: str
    email: str
    total: int
    decided: int  # reviewed + defaulted
    overdue: bool
    reviewed: int = 0  # decided by a person
    defaulted: int = 0  # took the default at close

    @property
    def pending(self) -> int:
        return self.total - self.decided

    @property
    def percent(self) -> int:
        """Reviewed by a person, in percent: defaulted items never count as progress."""
        return percent(self.reviewed, self.total)

    @cached_property
    def numbers(self) -> CampaignNumbers:
        return CampaignNumbers(
            total=self.total, reviewed=self.reviewed, defaulted=self.defaulted, pending=self.pending
        )


@dataclass
class CampaignDashboard:
    """Everything the campaign detail page shows, each part one or two queries."""

    by_decision: list[tuple[str, str | Promise, int]]
    reviewers: Page  # a page of ReviewerProgress
    reviewer_sort: str
    overdue_count: int  # reviewers with pending items after the due date
    overdue_reviewers: list[ReviewerProgress]  # the OVERDUE_SHOWN with the most pending
    flagged: list[dict]
    numbers: CampaignNumbers  # the whole campaign: reviewed, defaulted, pending

    @property
    def overdue_more(self) -> int:
        return self.overdue_count - len(self.overdue_reviewers)


REVIEWERS_PAGE = 50
OVERDUE_SHOWN = 10
REVIEWER_SORTS = {
    "pending": ("-pending", "reviewer__full_name", "reviewer__email", "reviewer_id"),
    "name": ("reviewer__full_name", "reviewer__email", "reviewer_id"),
}


def _progress(rows, *, past_due: bool, defaults: dict[int, int] | None) -> list[ReviewerProgress]:
    """Each reviewer's progress from their ``(reviewer_id, name, email, total, decided, no_response)``;
    ``defaults`` the items per reviewer that took the default at close when that default was not (only)
    "no response", else None (a reviewer's "no response" items are theirs)."""
    progress = []
    for reviewer_id, name, email, total, decided, no_response in rows:
        defaulted = no_response if defaults is None else defaults.get(reviewer_id, 0)
        progress.append(
            ReviewerProgress(
                reviewer_id=reviewer_id,
                name=name,
                email=email,
                total=total,
                decided=decided,
                reviewed=decided - defaulted,
                defaulted=defaulted,
                overdue=past_due and decided < total,
            )
        )
    return progress


def _defaults_by_reviewer(campaign: ReviewCampaign, no_response: int) -> dict[int, int] | None:
    """Items per reviewer that took the default at close, read from the items only when the close applied
    a default other than "no response" (one grouped query); None when the tallies tell it already."""
    if not campaign.defaulted_items or campaign.defaulted_items == no_response:
        return None
    rows = (
        campaign.items.filter(default_applied=True)
        .values("reviewer_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("reviewer_id", "n")
    )
    return dict(rows)


class FlaggedItem(dict):
    """One of the first items of a flagged list: what its line shows by name (``FLAGGED_ITEM_FIELDS``, the
    reviewer's name and the decision's label), and the item's ``pk``. Read as values: the page shows 25 a
    list, and a review item with its reviewer built as models cost five times the query."""

    @property
    def pk(self) -> int:
        return self["pk"]


FLAGGED_ITEM_FIELDS = (
    "pk",
    "holder_label",
    "system_name",
    "role_name",
    "privileged",
    "routing_note",
    "decision",
    "reviewer__full_name",
    "reviewer__email",
)


def _flagged_items(items: QuerySet[ReviewItem]) -> list[FlaggedItem]:
    """The items as ``FlaggedItem``: the reviewer named as ``str(User)`` names them, the decision by label."""
    decisions = dict(Decision.choices)
    return [
        FlaggedItem(
            row,
            reviewer=row["reviewer__full_name"] or row["reviewer__email"],
            decision_label=decisions.get(row["decision"], row["decision"]),
        )
        for row in items.values(*FLAGGED_ITEM_FIELDS)
    ]


FLAGGED = (
    ("rerouted", gettext_lazy("Rerouted (self-review, missing or inactive reviewer)"), ~Q(routing_note="")),
    ("no_response", gettext_lazy("No response"), Q(decision=Decision.NO_RESPONSE)),
    ("bulk", gettext_lazy("Kept in bulk"), Q(bulk=True, decision=Decision.KEEP)),
    ("override", gettext_lazy("Overridden by a security officer"), Q(override=True)),
)

# The sizes of the flagged lists that are not a decision, each a correlated count through its partial index;
# built once (a query reads them without changing them), not on every page.
FLAGGED_COUNTS = {
    key: count_subquery(ReviewItem.objects.filter(condition, campaign=OuterRef("pk")), "campaign")
    for key, _title, condition in FLAGGED
    if key != "no_response"
}


def campaign_dashboard(
    campaign: ReviewCampaign, *, now: datetime, reviewer_page=1, reviewer_sort: str = "pending"
) -> CampaignDashboard:
    """Everything the detail page shows, in at most seven queries however big the campaign, none of them a
    pass over every item: the counts by decision, and every reviewer's progress, from the campaign's
    tallies (2; a campaign has a few thousand reviewers at most, paged and sorted here); the sizes of the
    flagged lists (1) and their first rows (up to 4), each read through its partial index."""
    by_count = dict(campaign.tallies.values_list("decision").annotate(n=Sum("items")).order_by())
    by_decision: list[tuple[str, str | Promise, int]] = [
        (value, label, by_count.get(value, 0)) for value, label in Decision.choices
    ]
    flagged_counts = {"no_response": by_count.get(Decision.NO_RESPONSE, 0)}  # a decision: in the tallies
    flagged_counts.update(ReviewCampaign.objects.filter(pk=campaign.pk).values(**FLAGGED_COUNTS).get())
    if reviewer_sort not in REVIEWER_SORTS:
        reviewer_sort = "pending"
    past_due = campaign.is_open and campaign.due_at < now
    rows = (
        campaign.tallies.values("reviewer_id", "reviewer__full_name", "reviewer__email")
        .annotate(
            total=Sum("items"),
            decided=Sum("items", filter=~Q(decision=Decision.PENDING), default=0),
            no_response=Sum("items", filter=Q(decision=Decision.NO_RESPONSE), default=0),
        )
        .filter(total__gt=0)
        .order_by()
        .values_list(
            "reviewer_id", "reviewer__full_name", "reviewer__email", "total", "decided", "no_response"
        )
    )
    defaults = _defaults_by_reviewer(campaign, by_count.get(Decision.NO_RESPONSE, 0))
    everyone = _progress(rows, past_due=past_due, defaults=defaults)
    by_name = sorted(everyone, key=lambda row: (row.name, row.email, row.reviewer_id))
    if reviewer_sort == "pending":
        by_name.sort(key=lambda row: -row.pending)  # stable: ties stay by name
    page = Paginator(by_name, REVIEWERS_PAGE).get_page(reviewer_page)
    late = sorted(
        (row for row in everyone if row.overdue), key=lambda row: (-row.pending, row.name, row.email)
    )
    flagged = [
        {
            "key": key,
            "title": title,
            "count": flagged_counts[key],
            "items": _flagged_items(
                campaign.items.filter(condition).order_by("holder_label", "pk")[:FLAGGED_LIMIT]
            )
            if flagged_counts[key]
            else [],
        }
        for key, title, condition in FLAGGED
    ]
    return CampaignDashboard(
        by_decision=by_decision,
        reviewers=page,
        reviewer_sort=reviewer_sort,
        overdue_count=len(late),
        overdue_reviewers=late[:OVERDUE_SHOWN],
        flagged=flagged,
        numbers=_numbers_from(campaign, by_count),
    )


def _numbers_from(campaign: ReviewCampaign, by_count: dict[str, int]) -> CampaignNumbers:
    """A campaign's numbers from its counts by decision and the defaults its close applied."""
    total, pending = sum(by_count.values()), by_count.get(Decision.PENDING, 0)
    defaulted = campaign.defaulted_items
    if defaulted is None:
        defaulted = by_count.get(Decision.NO_RESPONSE, 0)
    return CampaignNumbers(
        total=total, reviewed=total - pending - defaulted, defaulted=defaulted, pending=pending
    )
