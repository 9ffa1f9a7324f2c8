"""Template tags joining the incidents app to other pages: the incidents that name a risk (on the risk's
page), and the sections other incident areas render on the incident page."""

from django import template
from django.template.loader import get_template

from incidents.queries.visibility import incidents_for_user

register = template.Library()


@register.simple_tag
def incidents_for_risk(risk, user) -> list:
    """The incidents that name ``risk`` and that ``user`` may see, newest first (one query)."""
    return list(
        incidents_for_user(user)
        .filter(risks=risk)
        .only("pk", "reference", "title", "status", "severity", "reported_at")
        .order_by("-reported_at", "-pk")
    )


@register.simple_tag(takes_context=True)
def incident_section(context, section) -> str:
    """Render ``section["template"]`` with the page's context plus the section's own (``section["context"]``,
    from the area's ``detail_section``)."""
    with context.push(**section["context"]):
        return get_template(section["template"]).template.render(context)
