"""Reads of the reporter's pages: the incidents I reported. Reporters always see their own incidents (the
visibility rule), so these filter on the reporter alone."""

from django.db.models import Case, IntegerField, When

from incidents.choices import OPEN_STATUSES
from incidents.models import Incident

LIST_FIELDS = ("pk", "reference", "title", "status", "severity", "reported_at", "updated_at")


def reported_by(user):
    """The incidents ``user`` reported, newest first."""
    return Incident.objects.filter(reported_by=user).only(*LIST_FIELDS).order_by("-reported_at", "-pk")


def latest_reported_by(user, count: int) -> list[Incident]:
    """Up to ``count`` incidents ``user`` reported, the open ones first (``open`` is 1), newest first: one
    query. A closed one at the top means none is open; an empty list, that they never reported one."""
    return list(
        Incident.objects.filter(reported_by=user)
        .annotate(open=Case(When(status__in=OPEN_STATUSES, then=1), default=0, output_field=IntegerField()))
        .only(*LIST_FIELDS)
        .order_by("-open", "-reported_at", "-pk")[:count]
    )
