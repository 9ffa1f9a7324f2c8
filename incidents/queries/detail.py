"""Reads of the incident page: its timeline, the risks and systems it names, its review and follow-up actions.
Who may see or do what on it is in ``incidents.queries.visibility``."""

from django.shortcuts import get_object_or_404

from incidents.models import FollowUpAction, Incident, PostIncidentReview
from risk.queries.register import risks_for_user


def timeline_events(incident: Incident, *, internal: bool):
    """The timeline, oldest first, with who did each thing; without the internal lines unless ``internal``."""
    events = incident.events.select_related("actor").order_by("at", "pk")
    return events if internal else events.filter(internal=False)


def linked_risks(user, incident: Incident, visible_risks=None) -> list:
    """The risks the incident names that ``user`` may see (``visible_risks``: ``risks_for_user(user)``, if
    built already), by reference."""
    visible = risks_for_user(user) if visible_risks is None else visible_risks
    return list(incident.risks.filter(pk__in=visible.values("pk")).order_by("reference"))


def linked_systems(incident: Incident) -> list:
    return list(incident.systems.order_by("name"))


def review_of(incident: Incident) -> PostIncidentReview | None:
    return PostIncidentReview.objects.filter(incident=incident).select_related("recorded_by").first()


def followups_of(incident: Incident) -> list[FollowUpAction]:
    return list(incident.followups.select_related("owner"))


def get_followup(incident: Incident, pk) -> FollowUpAction:
    """A follow-up action of ``incident`` (404 for one of another incident)."""
    return get_object_or_404(incident.followups.all(), pk=pk)
