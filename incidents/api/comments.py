"""Comments on an incident through the API: the incident page's comment form (``CommentForm``, built for the
caller as the page builds it: responders choose internal or visible to the reporter; the reporter adds
information; people it is shared with add internal notes) and ``incident_comment``. JSON, or
multipart/form-data with files under ``files``. Reading them: the comment and information lines of the
timeline the caller may read."""

from drf_spectacular.utils import extend_schema
from rest_framework import parsers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.api.common import TAKE_PART, bound_form, form_serializer, run_service
from incidents.api.timeline import IncidentTimelineEventSerializer, TimelinePage, paged_lines, visible_lines
from incidents.choices import EventKind
from incidents.forms.detail import CommentForm
from incidents.queries.visibility import is_responder
from incidents.services.comments import incident_comment

# The responder's form (every field); "visibility" is theirs alone (internal unless they say otherwise, as
# the page's choice starts), and ignored for everyone else, as on the page.
CommentInput = form_serializer(CommentForm, "IncidentCommentInput")
COMMENT_KINDS = (EventKind.COMMENT, EventKind.INFO)


class CommentActions:
    """``GET`` and ``POST /incidents/{id}/comments/``."""

    @extend_schema(methods=["get"], responses=IncidentTimelineEventSerializer(many=True), filters=False)
    @extend_schema(
        methods=["post"],
        request={"application/json": CommentInput, "multipart/form-data": CommentInput},
        responses={201: IncidentTimelineEventSerializer},
        summary="Comment, or add information (files: send multipart/form-data, each under 'files')",
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        pagination_class=TimelinePage,
        parser_classes=[parsers.JSONParser, parsers.MultiPartParser],
    )
    def comments(self, request, pk=None):
        """The comments and information you may read (GET, oldest first); add one (POST): responders say
        whether it is internal or visible to the reporter ("visibility"); auditors only read."""
        if request.method == "GET":
            incident = self.get_object()
            lines = visible_lines(request.user, incident).filter(kind__in=COMMENT_KINDS)
            return paged_lines(self, request, lines)
        self.access_level = TAKE_PART
        incident = self.get_object()
        responder = is_responder(request.user, incident)
        is_reporter = incident.reported_by_id == request.user.pk
        form = bound_form(request, CommentInput, CommentForm, responder=responder, is_reporter=is_reporter)
        event = run_service(
            form,
            lambda: incident_comment(
                actor=request.user,
                incident=incident,
                text=form.cleaned_data["text"],
                internal=form.internal,
                uploads=form.cleaned_data.get("files", []),
            ),
        )
        line = visible_lines(request.user, incident).get(pk=event.pk)
        return Response(IncidentTimelineEventSerializer(line).data, status=status.HTTP_201_CREATED)
