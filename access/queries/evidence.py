"""Reads of a closed campaign's evidence as a PDF: who may see and download one."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from access.models import PdfExport
from access.queries.closing import may_read_evidence


def get_pdf_export_for(user, pk) -> PdfExport:
    """A campaign's evidence PDF is for whoever may read its evidence (security officers and auditors,
    others 403), whoever asked for it; one query."""
    if not may_read_evidence(user):
        raise PermissionDenied(_("Campaign evidence is for security officers and auditors."))
    return get_object_or_404(PdfExport.objects.select_related("requested_by", "campaign"), pk=pk)
