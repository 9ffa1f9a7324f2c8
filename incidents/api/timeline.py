"""The incident's timeline through the API (read only): the lines the incident page shows the caller (the
internal ones only to those who see internal lines, ``sees_internal``), each with the files of it they may
open (``attachments_visible_to``), oldest first in cursor pages."""

from django.db.models import Prefetch
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.decorators import action

from dpms.api.conventions import CursorPage
from incidents.api.common import IncidentPersonSerializer, choice_field
from incidents.choices import EventKind
from incidents.models import IncidentAttachment, IncidentEvent
from incidents.queries.attachments import attachments_visible_to
from incidents.queries.detail import timeline_events
from incidents.queries.visibility import sees_internal


class IncidentAttachmentSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="original_name")
    download = serializers.SerializerMethodField(help_text="The file (the attachments endpoint).")

    class Meta:
        model = IncidentAttachment
        fields = ["id", "name", "content_type", "size", "sha256", "internal", "uploaded_at", "download"]

    @extend_schema_field(serializers.CharField())
    def get_download(self, attachment):
        return reverse("api:incident-attachment", args=[attachment.incident_id, attachment.pk])


class IncidentTimelineEventSerializer(serializers.ModelSerializer):
    kind = choice_field(EventKind.choices)
    actor = IncidentPersonSerializer(allow_null=True)
    files = IncidentAttachmentSerializer(source="visible_files", many=True, read_only=True)

    class Meta:
        model = IncidentEvent
        fields = ["id", "kind", "at", "actor", "internal", "text", "files"]


class TimelinePage(CursorPage):
    ordering = ("at", "pk")


def visible_lines(user, incident):
    """The timeline lines ``user`` sees, with the files of each they may open (two queries a page)."""
    files = attachments_visible_to(user, incident).order_by("uploaded_at", "pk")
    return timeline_events(incident, internal=sees_internal(user, incident)).prefetch_related(
        Prefetch("attachments", queryset=files, to_attr="visible_files")
    )


def paged_lines(view, request, lines):
    """A cursor page of timeline lines, as the answer."""
    paginator = TimelinePage()
    page = paginator.paginate_queryset(lines, request, view=view)
    return paginator.get_paginated_response(IncidentTimelineEventSerializer(page, many=True).data)


class TimelineActions:
    """``GET /incidents/{id}/timeline/``."""

    @extend_schema(responses=IncidentTimelineEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=TimelinePage)
    def timeline(self, request, pk=None):
        """Everything that happened on the incident that you may read, oldest first."""
        incident = self.get_object()
        return paged_lines(self, request, visible_lines(request.user, incident))
