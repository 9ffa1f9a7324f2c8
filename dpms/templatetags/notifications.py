"""Notifications grouped by day in the viewer's time zone (the one ``TimezoneMiddleware`` activated)."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django import template
from django.utils import timezone
from django.utils.translation import gettext

from dpms.models import Notification

register = template.Library()


@dataclass
class Day:
    """One day's heading ("Today", "Yesterday", or the date) and its notifications, newest first."""

    day: date
    label: str
    notes: list[Notification] = field(default_factory=list)


@register.simple_tag
def notification_days(notifications) -> list[Day]:
    """``notifications`` (newest first, read already) by the viewer's local day: a notice sent at 23:30 in
    Berlin is yesterday's there and still today's in Los Angeles. No query."""
    today = timezone.localdate()
    labels = {today: gettext("Today"), today - timedelta(days=1): gettext("Yesterday")}
    days: list[Day] = []
    for note in notifications:
        day = timezone.localtime(note.created_at).date()
        if not days or days[-1].day != day:
            days.append(Day(day=day, label=labels.get(day, "")))
        days[-1].notes.append(note)
    return days
