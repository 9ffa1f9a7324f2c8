"""The officers' dashboard panel of joiners, movers and leavers."""

from datetime import timedelta
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from access.queries import leavers as queries

LATEST_ON_PANEL = 8


def movements_panel(request):
    """Joiners, movers and leavers of the last 30 days, and the leavers' open revocation tasks (3 queries)."""
    if not queries.may_see_movements(request.user):
        return None
    now = timezone.now()
    since = now - timedelta(days=queries.MOVEMENT_DAYS)
    tasks_link = f"{reverse('access:revocation_list')}?{urlencode({'status': 'open', 'leaver': 'on'})}"
    return {
        "days": queries.MOVEMENT_DAYS,
        "counts": queries.movement_counts(since=since),
        "latest": queries.latest_movements(since=since, limit=LATEST_ON_PANEL),
        "tasks": queries.open_leaver_tasks(now=now),
        "tasks_link": tasks_link,
    }
