"""Template tags joining the incidents app to other pages: the incidents that name a risk (on the risk's
page), the sections other incident areas render on the incident page, and instants stored as ISO text (in
timeline data) shown in the viewer's time zone."""

import datetime

from django import template
from django.template.loader import get_template
from django.utils import formats, timezone
from django.utils.dateformat import format as date_format

from incidents.queries.visibility import incidents_for_user

register = template.Library()


# The risk page shows this many of the incidents that name the risk, the most recent first.
RISK_INCIDENTS_SHOWN = 20


@register.simple_tag
def incidents_for_risk(risk, user) -> dict:
    """The incidents that name ``risk`` and that ``user`` may see: ``shown``, the most recent
    ``RISK_INCIDENTS_SHOWN`` of them, and ``total``, how many there are (two queries)."""
    visible = incidents_for_user(user).filter(risks=risk)
    shown = list(
        visible.only("pk", "reference", "title", "status", "severity", "reported_at").order_by(
            "-reported_at", "-pk"
        )[:RISK_INCIDENTS_SHOWN]
    )
    return {"shown": shown, "total": visible.count()}


@register.simple_tag(takes_context=True)
def incident_section(context, section) -> str:
    """Render ``section["template"]`` with the page's context plus the section's own (``section["context"]``,
    from the area's ``detail_section``)."""
    with context.push(**section["context"]):
        return get_template(section["template"]).template.render(context)


def _instant(value) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        moment = value
    else:
        try:
            moment = datetime.datetime.fromisoformat(str(value))
        except ValueError:
            return None
    return moment if timezone.is_aware(moment) else None


@register.filter
def iso_local(value) -> str:
    """An ISO instant ("2026-10-26T10:00:00+00:00") in the viewer's time zone: "26 Oct 2026, 11:00 CET".
    Text that is not an aware instant is shown as it is."""
    moment = _instant(value)
    if not moment:
        return str(value or "")
    local = timezone.localtime(moment)
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} {date_format(local, 'T')}"  # the pages' format


@register.filter
def iso_utc(value) -> str:
    """An ISO instant as the ``datetime`` attribute of ``<time>``: "2026-10-26T10:00:00Z"."""
    moment = _instant(value)
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""
