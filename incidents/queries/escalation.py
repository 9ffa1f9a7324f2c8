"""Reads of escalation: what fired for an incident. When a level is due and whether it fires is decided in
``incidents.services.escalation``."""

from incidents.models import Incident, IncidentEscalation


def fires_of(incident: Incident):
    """The escalation levels fired for ``incident``, in the order they fired."""
    return IncidentEscalation.objects.filter(incident=incident).order_by("fired_at", "pk")
