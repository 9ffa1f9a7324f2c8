"""The files of an incident through the API: the ones the caller may open (``attachments_visible_to``), and
each file, downloaded under the same rule as the page's download (``get_attachment_for_download``: 404 for a
file the caller may not open, so nobody learns that it exists) and with the same headers."""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.downloads import sandboxed_download
from dpms.forms import row_id
from incidents.api.timeline import IncidentAttachmentSerializer
from incidents.queries.attachments import attachments_visible_to, get_attachment_for_download

FILE_ID = OpenApiParameter("file_id", int, OpenApiParameter.PATH, description="The file's id.")


class AttachmentActions:
    """``GET /incidents/{id}/attachments/`` and ``GET /incidents/{id}/attachments/{file_id}/``."""

    def perform_content_negotiation(self, request, force=False):
        # A download answers with the file whatever Accept asks for (a client may ask for application/pdf);
        # its refusals are problem details as everywhere.
        return super().perform_content_negotiation(  # type: ignore[misc]
            request, force=force or getattr(self, "action", None) == "attachment"
        )

    @extend_schema(responses=IncidentAttachmentSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def attachments(self, request, pk=None):
        """The incident's files you may open (at most 5 a report or comment), oldest first."""
        incident = self.get_object()
        files = attachments_visible_to(request.user, incident).order_by("uploaded_at", "pk")
        return Response(IncidentAttachmentSerializer(files, many=True).data)

    @extend_schema(
        parameters=[FILE_ID],
        responses={(200, "application/octet-stream"): OpenApiResponse(OpenApiTypes.BINARY)},
        filters=False,
    )
    @action(detail=True, methods=["get"], url_path="attachments/<int:file_id>", filter_backends=[])
    def attachment(self, request, pk=None, file_id=None):
        """The file itself, as a download."""
        incident = self.get_object()
        number = row_id(file_id)
        if number is None:
            raise Http404("No such file.")
        attachment = get_attachment_for_download(request.user, number)
        if attachment.incident_id != incident.pk:
            raise Http404("No such file.")
        try:
            handle = attachment.file.open("rb")
        except FileNotFoundError:
            raise Http404("The file is missing from the store.") from None
        return sandboxed_download(
            handle, filename=attachment.original_name, content_type=attachment.content_type
        )
