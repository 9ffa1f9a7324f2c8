"""Reads of the reporter's pages: the incidents I reported. Reporters always see their own incidents (the
visibility rule), so these filter on the reporter alone."""

from django.db.models import Case, Count, IntegerField, When

from incidents.choices import OPEN_STATUSES
from incidents.models import Incident

OPEN = "open"  # the status filter of "my incidents": everything not closed or dismissed
LIST_FIELDS = ("pk", "reference", "title", "status", "severity", "reported_at", "updated_at")


def reported_by(user, *, status: str = ""):
    """The incidents ``user`` reported, newest first; ``status`` one status, or "open" (not closed or
    dismissed)."""
    incidents = Incident.objects.filter(reported_by=user)
    if status == OPEN:
        incidents = incidents.filter(status__in=OPEN_STATUSES)
    elif status:
        incidents = incidents.filter(status=status)
    return incidents.only(*LIST_FIELDS).order_by("-reported_at", "-pk")


def open_counts_by_status(user) -> dict[str, int]:
    """How many of the incidents ``user`` reported are open, by status (one grouped query)."""
    rows = (
        Incident.objects.filter(reported_by=user, status__in=OPEN_STATUSES)
        .values_list("status")
        .annotate(count=Count("pk"))
        .order_by()
    )
    return dict(rows)


def latest_reported_by(user, count: int) -> list[Incident]:
    """Up to ``count`` incidents ``user`` reported, the open ones first (``open`` is 1), newest first: one
    query. A closed one at the top means none is open; an empty list, that they never reported one."""
    return list(
        Incident.objects.filter(reported_by=user)
        .annotate(open=Case(When(status__in=OPEN_STATUSES, then=1), default=0, output_field=IntegerField()))
        .only(*LIST_FIELDS)
        .order_by("-open", "-reported_at", "-pk")[:count]
    )
