"""Confidentiality, shares and links of an incident through the API, with the incident page's forms and
``incidents.services.sharing``: security officers handling the incident make it confidential or not and
share it with one more person (or take that back), and see who it is shared with; its responders name the
risks it materialised and the systems it touched."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.api.common import (
    RESPOND,
    TRIAGE,
    IncidentPersonSerializer,
    IncidentSerializer,
    bound_form,
    form_serializer,
    run_service,
)
from incidents.forms import detail as forms
from incidents.models import Incident
from incidents.queries.detail import linked_risks, linked_systems
from incidents.queries.visibility import shared_with
from incidents.services import sharing
from risk.queries.register import risks_for_user

ConfidentialInput = form_serializer(forms.ConfidentialForm, "IncidentConfidentialInput")
ShareInput = form_serializer(forms.ShareForm, "IncidentShareInput")
UnshareInput = form_serializer(forms.UnshareForm, "IncidentUnshareInput")


class IncidentLinksInput(
    form_serializer(
        forms.LinksForm,
        "IncidentLinksBase",
        visible_risks=Incident.objects.none(),
        linked_risks=[],
        linked_systems=[],
    )
):
    """The links the incident keeps (leave one out to remove it) and those to add, as on the incident
    page: risks by reference, systems by name."""

    keep_risks = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="The ids of the linked risks to keep (the incident's risks); the others are removed.",
    )
    keep_systems = serializers.ListField(
        child=serializers.CharField(max_length=20),
        required=False,
        help_text="The ids of the linked systems to keep; the others are removed.",
    )


def _links_form(request, incident):
    visible = risks_for_user(request.user)
    return {
        "visible_risks": visible,
        "linked_risks": linked_risks(request.user, incident, visible),
        "linked_systems": linked_systems(incident),
    }


class SharingActions:
    """``POST /incidents/{id}/confidential/``, ``share/``, ``unshare/``, ``links/``; ``GET shares/``."""

    def _incident_answer(self, incident):
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    @extend_schema(request=ConfidentialInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def confidential(self, request, pk=None):
        """Make the incident confidential ("yes": only its handler, the people added to it, its reporter and
        auditors see it) or open it to every security officer again ("no"), with a reason."""
        incident = self.get_object()
        form = bound_form(request, ConfidentialInput, forms.ConfidentialForm)
        changed = run_service(
            form,
            lambda: sharing.incident_set_confidential(
                actor=request.user, incident=incident, **form.cleaned_data
            ),
        )
        return self._incident_answer(changed)

    @extend_schema(responses=IncidentPersonSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None, access_level=TRIAGE)
    def shares(self, request, pk=None):
        """The people the incident is shared with (security officers handling it)."""
        incident = self.get_object()
        return Response(IncidentPersonSerializer(shared_with(incident), many=True).data)

    @extend_schema(request=ShareInput, responses=IncidentPersonSerializer(many=True))
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def share(self, request, pk=None):
        """Let one more active person see the incident (they are told); answers with everyone it is shared
        with."""
        incident = self.get_object()
        form = bound_form(request, ShareInput, forms.ShareForm)
        run_service(
            form,
            lambda: sharing.incident_share(
                actor=request.user, incident=incident, user=form.cleaned_data["user"]
            ),
        )
        return Response(IncidentPersonSerializer(shared_with(incident), many=True).data)

    @extend_schema(request=UnshareInput, responses=IncidentPersonSerializer(many=True))
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def unshare(self, request, pk=None):
        """Take a share back; answers with everyone it is still shared with."""
        incident = self.get_object()
        form = bound_form(request, UnshareInput, forms.UnshareForm)
        run_service(
            form,
            lambda: sharing.incident_unshare(
                actor=request.user, incident=incident, user=form.cleaned_data["user"]
            ),
        )
        return Response(IncidentPersonSerializer(shared_with(incident), many=True).data)

    @extend_schema(request=IncidentLinksInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=RESPOND)
    def links(self, request, pk=None):
        """Name the risks the incident materialised and the systems it touched (risks you may see only)."""
        incident = self.get_object()
        form = bound_form(request, IncidentLinksInput, forms.LinksForm, **_links_form(request, incident))
        changed = run_service(
            form,
            lambda: sharing.incident_link(
                actor=request.user,
                incident=incident,
                risks=form.cleaned_data["risks"],
                systems=form.cleaned_data["systems"],
            ),
        )
        return self._incident_answer(changed)
