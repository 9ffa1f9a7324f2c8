"""/api/v1/incidents/: one viewset over the incidents, assembled from the areas' actions (the queue,
reporting, the workflow, comments and the timeline, breach and NIS2, escalation, follow-ups, sharing,
metrics), so every route of an incident sits under its id. An incident is always fetched through the
page's access helper (``incidents.api.common.IncidentAccess``): 404 when the caller may not see it, 403 when
they may not act."""

from rest_framework import mixins, viewsets

from dpms.api.conventions import ApiViewMixin, ConditionalMixin
from incidents.api import (
    attachments,
    breach,
    comments,
    escalation,
    followups,
    lists,
    metrics,
    reporting,
    sharing,
    timeline,
    workflow,
)
from incidents.api.common import IncidentAccess, IncidentSerializer
from incidents.models import Incident
from incidents.queries.lists import queue_for_user
from incidents.queries.visibility import incidents_for_user


class IncidentViewSet(
    ApiViewMixin,
    ConditionalMixin,
    lists.QueueActions,
    reporting.ReportingActions,
    workflow.WorkflowActions,
    comments.CommentActions,
    timeline.TimelineActions,
    attachments.AttachmentActions,
    breach.BreachActions,
    escalation.EscalationActions,
    followups.FollowUpActions,
    sharing.SharingActions,
    metrics.MetricsActions,
    IncidentAccess,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    queryset = Incident.objects.none()  # for the schema; each request reads get_queryset
    serializer_class = IncidentSerializer
    pagination_class = lists.QueuePage
    lookup_value_converter = "int"
    # The actions that answer with something else than the incident: no ETag of the incident on them.
    not_the_incident = frozenset(
        {"comments", "timeline", "attachments", "attachment", "escalation", "followups", "followup_status"}
        | {"shares", "share", "unshare"}
        | {name for name in dir(breach.BreachActions) if name.startswith("breach")}
    )

    def get_queryset(self):
        if self.action == "list":
            return queue_for_user(self.request.user)
        return incidents_for_user(self.request.user)

    def get_serializer_class(self):
        if self.action == "list":
            return lists.IncidentRowSerializer
        return super().get_serializer_class()

    def get_parsers(self):
        return reporting.report_parsers(self) or super().get_parsers()

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.action in self.not_the_incident and response.has_header("ETag"):
            del response["ETag"]
        return response

    def retrieve(self, request, *args, **kwargs):
        """The incident, as its page shows it to you."""
        return super().retrieve(request, *args, **kwargs)
