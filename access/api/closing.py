"""Closing a campaign (security officers: ``access.services.closing.campaign_close``; a close that would
auto-revoke too much is held until confirmed) and the evidence of a closed one, byte for byte as the page
gives it: the CSV and its manifest (security officers and auditors)."""

import json

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import renderers, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import FormInput, HelperObject, checked_id, form_input, refusals
from access.api.campaigns import CampaignSerializer
from access.forms.closing import CampaignCloseForm, CampaignConfirmCloseForm
from access.models import ReviewCampaign
from access.queries import campaigns as campaign_queries
from access.queries import closing as queries
from access.services import evidence
from access.services.closing import campaign_close
from dpms.api.conventions import ApiViewMixin, ConditionalMixin

ACCEPT_DEFAULTS = (
    "Required (true) while items are undecided: you accept that they take the default and count as "
    "defaulted, not reviewed."
)


class CloseInput(FormInput):
    form_class = CampaignCloseForm
    sure = serializers.BooleanField(help_text="Closing is deliberate: undecided items take the default.")
    accept_defaults = serializers.BooleanField(required=False, help_text=ACCEPT_DEFAULTS)


class ConfirmCloseInput(FormInput):
    form_class = CampaignConfirmCloseForm
    sure = serializers.BooleanField(help_text="You checked the revocations and confirm the close.")
    accept_defaults = serializers.BooleanField(required=False, help_text=ACCEPT_DEFAULTS)


class CampaignClosingViewSet(ConditionalMixin, ApiViewMixin, HelperObject, viewsets.GenericViewSet):
    """``close/`` and ``confirm-close/`` on a campaign (security officers; 403 for anyone else)."""

    serializer_class = CampaignSerializer
    queryset = ReviewCampaign.objects.none()  # for the schema; each request reads the access helper
    lookup_value_converter = "int"

    def fetch_object(self, pk):
        queries.get_campaign_to_close(self.request.user, pk)  # 404 when unknown, 403 unless an officer
        return campaign_queries.get_campaign_for(self.request.user, pk)  # with its progress

    def _close(self, request, serializer_class, *, confirmed: bool):
        campaign = self.get_object()
        plan = queries.close_plan(campaign)
        form_input(
            serializer_class, request, undecided=plan["pending"], default_label=plan["default_decision_label"]
        )
        with refusals(serializer_class._declared_fields):
            campaign_close(campaign=campaign, actor=request.user, now=timezone.now(), confirmed=confirmed)
        return Response(CampaignSerializer(campaign_queries.get_campaign_for(request.user, campaign.pk)).data)

    @extend_schema(request=CloseInput, responses=CampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close the campaign now: undecided items take the policy's default, revocations are applied or
        given to the owners as tasks, and the evidence is frozen. A close that would auto-revoke more than
        the policy's share is held (status ``confirm``) until a security officer confirms it. While
        items are undecided, ``accept_defaults`` must be true (a 400 otherwise, nothing changed)."""
        return self._close(request, CloseInput, confirmed=False)

    @extend_schema(request=ConfirmCloseInput, responses=CampaignSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-close")
    def confirm_close(self, request, pk=None):
        """Confirm a held close (security officers); ``accept_defaults`` as for the close."""
        return self._close(request, ConfirmCloseInput, confirmed=True)


class CsvRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``text/csv``; the evidence itself is streamed as stored, and an error is
    written as its JSON problem details."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return json.dumps(data).encode() if data is not None else b""


class CampaignEvidenceViewSet(ApiViewMixin, viewsets.GenericViewSet):
    """A closed campaign's evidence (security officers and auditors; 403 for anyone else, 404 until it is
    closed)."""

    queryset = ReviewCampaign.objects.none()  # for the schema; each request reads the access helper
    lookup_value_converter = "int"

    def _campaign(self, pk):
        return queries.get_campaign_evidence(self.request.user, checked_id(pk))

    @extend_schema(responses={(200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The CSV.")})
    @action(detail=True, methods=["get"], renderer_classes=[renderers.JSONRenderer, CsvRenderer])
    def evidence(self, request, pk=None):
        """The evidence file frozen at the close (CSV, UTF-8); its SHA-256 is in the manifest and in the
        audit trail."""
        campaign = self._campaign(pk)
        response = StreamingHttpResponse(
            evidence.evidence_stream(campaign), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{evidence.evidence_filename(campaign)}"'
        return response

    @extend_schema(responses={(200, "application/json"): OpenApiTypes.OBJECT})
    @action(detail=True, methods=["get"], url_path="evidence-manifest")
    def evidence_manifest(self, request, pk=None):
        """What the evidence file is and how to check it (its name, SHA-256, row count and columns), the
        same bytes as the page's download."""
        campaign = self._campaign(pk)
        response = HttpResponse(evidence.manifest_bytes(campaign), content_type="application/json")
        response["Content-Disposition"] = f'attachment; filename="access-review-{campaign.pk}-manifest.json"'
        return response
