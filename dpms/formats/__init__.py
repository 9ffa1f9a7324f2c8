"""One way to show a date per language: the portal's own format modules (``FORMAT_MODULE_PATH``).

Templates name the format (``|date:"DATE_FORMAT"``, ``"DATETIME_FORMAT"``, ``"TIME_FORMAT"``) rather than
spell one out, and Python code that writes a date into a page uses ``show_date`` / ``show_datetime`` below,
so "2 Dec 2026" is written the same way on every page, in the viewer's time zone. Machine formats stay ISO
where they are data: CSV, JSON, the API, ``<time datetime="...">`` attributes, stored keys.
"""

import datetime

from django.utils import formats, timezone


def show_date(value: datetime.date | datetime.datetime | None) -> str:
    """A day as the pages show it (``DATE_FORMAT``); a moment is first moved to the viewer's time zone."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATE_FORMAT")


def show_datetime(value: datetime.datetime | None) -> str:
    """A moment as the pages show it (``DATETIME_FORMAT``), in the viewer's time zone."""
    if value is None:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")
