"""The escalation of an incident through the API (read only): the running round's levels as they stood when
it started, the level reached, the next due time and what fired, as the incident page's escalation section
shows them; for a reporter with no other part in the incident there is none (403). Escalation itself runs in
the background (``incidents.services.escalation``); acknowledging the incident stops it."""

from datetime import timedelta

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from incidents.api.common import choice_field
from incidents.choices import EscalationTarget, EscalationTrigger
from incidents.models import IncidentEscalation
from incidents.queries.escalation import fires_of
from incidents.queries.escalation_policies import stored_levels
from incidents.queries.visibility import sees_internal
from incidents.services.escalation import describe_level, plan_levels
from incidents.services.escalation_policies import policy_label, unsaved_default_levels

LATE = timedelta(minutes=2)  # as the page: a fire this long after its due time was late (after downtime)


class EscalationFireSerializer(serializers.ModelSerializer):
    trigger = choice_field(EscalationTrigger.choices)
    target = choice_field(EscalationTarget.choices)
    recipients = serializers.ListField(
        child=serializers.DictField(), help_text="Who was told: id, name, email."
    )
    late = serializers.SerializerMethodField()

    class Meta:
        model = IncidentEscalation
        fields = [
            "round",
            "trigger",
            "position",
            "repeat",
            "due_at",
            "fired_at",
            "target",
            "recipients",
            "skipped",
            "late",
        ]

    def get_late(self, fire) -> bool:
        return fire.fired_at - fire.due_at >= LATE


class IncidentEscalationSerializer(serializers.Serializer):
    policy = serializers.CharField(help_text="The policy of the running round (by severity).")
    levels = serializers.ListField(
        child=serializers.CharField(), help_text="Each level, as the page says it."
    )
    started_at = serializers.DateTimeField(allow_null=True)
    level_reached = serializers.IntegerField()
    next_at = serializers.DateTimeField(allow_null=True)
    fired = EscalationFireSerializer(many=True)


class EscalationActions:
    """``GET /incidents/{id}/escalation/``."""

    @extend_schema(responses=IncidentEscalationSerializer, filters=False)
    @action(detail=True, methods=["get"], filter_backends=[])
    def escalation(self, request, pk=None):
        """The escalation of the incident: its levels, how far it went, what is next and what fired."""
        incident = self.get_object()
        user = request.user
        if incident.reported_by_id == user.pk and not sees_internal(user, incident):
            raise PermissionDenied("The escalation is for the incident's handlers, officers and auditors.")
        plan = plan_levels(incident)
        if plan:
            texts, label = [describe_level(level) for level in plan], policy_label(plan[0].policy)
        elif incident.severity is not None:
            stored = stored_levels(incident.severity)
            texts = [describe_level(level) for level in stored or unsaved_default_levels(incident.severity)]
            label = policy_label(incident.severity)
        else:
            texts, label = [], ""
        data = {
            "policy": label,
            "levels": texts,
            "started_at": incident.escalation_started_at if plan else None,
            "level_reached": incident.escalation_level,
            "next_at": incident.next_escalation_at,
            "fired": fires_of(incident),
        }
        return Response(IncidentEscalationSerializer(data).data)
