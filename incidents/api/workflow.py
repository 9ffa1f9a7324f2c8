"""The incident's workflow through the API: triage, dismissal, acknowledgement, status changes, closing, the
post-incident review, and corrections of severity, handler and category. Each action takes the incident page's
form, is allowed to whom the page allows it (404 when the caller may not see the incident, 403 when they may
not do this) and calls the same service in ``incidents.services.workflow``; it answers with the incident."""

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.response import Response

from incidents.api.common import (
    RESPOND,
    TRIAGE,
    IncidentSerializer,
    bound_form,
    form_serializer,
    run_service,
)
from incidents.forms import detail as forms
from incidents.services import workflow

TriageInput = form_serializer(forms.TriageForm, "IncidentTriageInput")
ReasonInput = form_serializer(forms.ReasonForm, "IncidentDismissInput")
TransitionInput = form_serializer(forms.TransitionForm, "IncidentTransitionInput")
CloseInput = form_serializer(forms.CloseForm, "IncidentCloseInput")
ReviewInput = form_serializer(forms.ReviewForm, "PostIncidentReviewInput")
SeverityInput = form_serializer(forms.SeverityForm, "IncidentSeverityInput")
HandlerInput = form_serializer(forms.HandlerForm, "IncidentHandlerInput")
CategoryInput = form_serializer(forms.CategoryForm, "IncidentCategoryInput")


class WorkflowActions:
    """``POST /incidents/{id}/<action>/`` for each step of the workflow."""

    def _answer(self, incident):
        return Response(IncidentSerializer(incident, context=self.get_serializer_context()).data)

    def _run(self, request, input_class, form_class, call):
        incident = self.get_object()
        form = bound_form(request, input_class, form_class)
        return self._answer(run_service(form, lambda: call(incident, form.cleaned_data)))

    @extend_schema(request=TriageInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def triage(self, request, pk=None):
        """Severity, handler, category, breach and confidentiality (security officers handling it)."""
        return self._run(
            request,
            TriageInput,
            forms.TriageForm,
            lambda incident, data: workflow.incident_triage(actor=request.user, incident=incident, **data),
        )

    @extend_schema(request=ReasonInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def dismiss(self, request, pk=None):
        """Not an incident: dismissed with a reason (from reported or triaged)."""
        return self._run(
            request,
            ReasonInput,
            forms.ReasonForm,
            lambda incident, data: workflow.incident_dismiss(
                actor=request.user, incident=incident, reason=data["reason"]
            ),
        )

    @extend_schema(request=None, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=RESPOND)
    def acknowledge(self, request, pk=None):
        """Acknowledge the incident (its handler or a security officer who sees it): escalation stops."""
        incident = self.get_object()
        return self._answer(
            run_service(None, lambda: workflow.incident_acknowledge(actor=request.user, incident=incident))
        )

    @extend_schema(request=TransitionInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=RESPOND)
    def transition(self, request, pk=None):
        """Move the incident to another status: forward along the path, or back with a reason."""
        return self._run(
            request,
            TransitionInput,
            forms.TransitionForm,
            lambda incident, data: workflow.incident_transition(
                actor=request.user, incident=incident, **data
            ),
        )

    @extend_schema(request=CloseInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=RESPOND)
    def close(self, request, pk=None):
        """Close a resolved incident with its root cause and lessons learned."""
        return self._run(
            request,
            CloseInput,
            forms.CloseForm,
            lambda incident, data: workflow.incident_close(actor=request.user, incident=incident, **data),
        )

    @extend_schema(request=ReviewInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=RESPOND)
    def review(self, request, pk=None):
        """Record the post-incident review (required before closing a SEV1 or SEV2)."""

        def call(incident, data):
            workflow.post_incident_review_record(actor=request.user, incident=incident, **data)
            incident.refresh_from_db()
            return incident

        return self._run(request, ReviewInput, forms.ReviewForm, call)

    @extend_schema(request=SeverityInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def severity(self, request, pk=None):
        """Change the severity of a triaged, open incident, with why."""
        return self._run(
            request,
            SeverityInput,
            forms.SeverityForm,
            lambda incident, data: workflow.incident_set_severity(
                actor=request.user, incident=incident, **data
            ),
        )

    @extend_schema(request=HandlerInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def handler(self, request, pk=None):
        """Hand the incident to another person."""
        return self._run(
            request,
            HandlerInput,
            forms.HandlerForm,
            lambda incident, data: workflow.incident_set_handler(
                actor=request.user, incident=incident, **data
            ),
        )

    @extend_schema(request=CategoryInput, responses=IncidentSerializer)
    @action(detail=True, methods=["post"], access_level=TRIAGE)
    def category(self, request, pk=None):
        """Correct the category."""

        def call(incident, data):
            return workflow.incident_set_category(actor=request.user, incident=incident, **data)

        return self._run(request, CategoryInput, forms.CategoryForm, call)
