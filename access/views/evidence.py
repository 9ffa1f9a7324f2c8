"""Pages of a closed campaign's evidence as a PDF: ask for it, watch it being written, download it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from access.queries import closing
from access.queries import evidence as queries
from access.services.evidence import campaign_pdf_request
from dpms import pdf
from dpms.middleware import without_session_renewal


def _urls(export) -> dict:
    return {
        "progress": reverse("access:evidence_pdf_progress", args=[export.pk]),
        "pdf": reverse("access:evidence_pdf_download", args=[export.pk]),
        "csv": reverse("access:campaign_evidence_csv", args=[export.campaign_id]),
    }


@login_required
@require_POST
def evidence_pdf_request(request, pk):
    """Ask for the PDF of a closed campaign's evidence; its page then shows the progress."""
    campaign = closing.get_campaign_evidence(request.user, pk)
    try:
        export = campaign_pdf_request(campaign=campaign, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("access:campaign_detail", pk=campaign.pk)
    return redirect("access:evidence_pdf", pk=export.pk)


@login_required
@require_GET
def evidence_pdf(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    back = reverse("access:campaign_detail", args=[export.campaign_id])
    return pdf.export_page(request, export, urls=_urls(export), back_url=back, back_label=gettext("Campaign"))


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def evidence_pdf_progress(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    return pdf.progress_response(request, export, urls=_urls(export))


@login_required
@require_GET
def evidence_pdf_download(request, pk):
    export = queries.get_pdf_export_for(request.user, pk)
    return pdf.file_response(export, "pdf", f"access-review-{export.campaign_id}-evidence-{export.pk}.pdf")


urlpatterns = [
    path("campaigns/<int:pk>/evidence.pdf", evidence_pdf_request, name="evidence_pdf_request"),
    path("evidence-pdf/<int:pk>/", evidence_pdf, name="evidence_pdf"),
    path("evidence-pdf/<int:pk>/progress/", evidence_pdf_progress, name="evidence_pdf_progress"),
    path("evidence-pdf/<int:pk>/download", evidence_pdf_download, name="evidence_pdf_download"),
]
