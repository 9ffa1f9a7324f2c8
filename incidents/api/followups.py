"""Follow-up actions of an incident through the API: read by those who see its internal side (as on the
incident page), added by its responders (``FollowUpForm``, ``followup_create``), moved along by their owner
or a responder (``FollowUpStatusForm``, ``followup_set_status``, which decides who may)."""

from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from dpms.forms import row_id
from incidents.api.common import (
    RESPOND,
    TAKE_PART,
    IncidentPersonSerializer,
    bound_form,
    choice_field,
    form_serializer,
    run_service,
)
from incidents.choices import ActionStatus
from incidents.forms.detail import FollowUpForm, FollowUpStatusForm
from incidents.models import FollowUpAction
from incidents.queries.detail import followups_of, get_followup
from incidents.queries.visibility import sees_internal
from incidents.services import followups

FollowUpInput = form_serializer(FollowUpForm, "FollowUpInput")
FollowUpStatusInput = form_serializer(FollowUpStatusForm, "FollowUpStatusInput")
ACTION_ID = OpenApiParameter(
    "action_id", int, OpenApiParameter.PATH, description="The follow-up action's id."
)


class IncidentFollowUpSerializer(serializers.ModelSerializer):
    owner = IncidentPersonSerializer()
    status = choice_field(ActionStatus.choices)

    class Meta:
        model = FollowUpAction
        fields = ["id", "title", "description", "owner", "due_on", "status", "completed_at", "created_at"]


class FollowUpActions:
    """``GET``, ``POST /incidents/{id}/followups/``; ``POST .../followups/{action_id}/status/``."""

    @extend_schema(methods=["get"], responses=IncidentFollowUpSerializer(many=True), filters=False)
    @extend_schema(methods=["post"], request=FollowUpInput, responses={201: IncidentFollowUpSerializer})
    @action(detail=True, methods=["get", "post"], filter_backends=[], pagination_class=None)
    def followups(self, request, pk=None):
        """The follow-up actions, by due date (GET: those who see the incident's internal side); add one
        with an owner and a due date (POST: its responders; the owner is told)."""
        if request.method == "GET":
            incident = self.get_object()
            if not sees_internal(request.user, incident):
                raise PermissionDenied(
                    "The follow-up actions are for the incident's handlers, officers and auditors."
                )
            return Response(IncidentFollowUpSerializer(followups_of(incident), many=True).data)
        self.access_level = RESPOND
        incident = self.get_object()
        form = bound_form(request, FollowUpInput, FollowUpForm)
        created = run_service(
            form,
            lambda: followups.followup_create(actor=request.user, incident=incident, **form.cleaned_data),
        )
        return Response(IncidentFollowUpSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(parameters=[ACTION_ID], request=FollowUpStatusInput, responses=IncidentFollowUpSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="followups/<int:action_id>/status",
        url_name="followup-status",
        access_level=TAKE_PART,
    )
    def followup_status(self, request, pk=None, action_id=None):
        """Set a follow-up action's status: its owner, or the incident's responders."""
        incident = self.get_object()
        number = row_id(action_id)
        if number is None:
            raise Http404("No such follow-up action.")
        followup = get_followup(incident, number)
        form = bound_form(request, FollowUpStatusInput, FollowUpStatusForm)
        saved = run_service(
            form,
            lambda: followups.followup_set_status(
                actor=request.user, action=followup, status=form.cleaned_data["status"]
            ),
        )
        return Response(IncidentFollowUpSerializer(saved).data)
