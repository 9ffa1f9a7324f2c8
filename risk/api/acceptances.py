"""Risk acceptances through the API, over ``risk.services.acceptances``: the risk's owner asks; a security
officer approves, and above appetite an admin too (never the owner, two different people); approvers reject,
security officers revoke. The list is the acceptances page's (approvers, auditors), filtered by its form."""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage, idempotent, service_errors
from risk.api import (
    ANY,
    FetchedViewSet,
    PageFilterSet,
    StrictCharField,
    StrictIntegerField,
    choice,
)
from risk.choices import AcceptanceStatus
from risk.forms.acceptances import AcceptanceFilterForm, AcceptanceRequestForm, ReasonForm
from risk.models import RiskAcceptance
from risk.queries import acceptances as queries
from risk.services import acceptances as services

ROW_ID_MAX = 2**63 - 1


class AcceptanceSerializer(serializers.ModelSerializer):
    """An acceptance, with what you may do on it now (``your_approval``: the approval you would give)."""

    risk_reference = serializers.CharField(source="risk.reference", read_only=True)
    risk_title = serializers.CharField(source="risk.title", read_only=True)
    status = choice(AcceptanceStatus.choices, read_only=True)
    approvals_needed = serializers.SerializerMethodField()
    your_approval = serializers.SerializerMethodField()
    you_may_reject = serializers.SerializerMethodField()
    you_may_revoke = serializers.SerializerMethodField()

    class Meta:
        model = RiskAcceptance
        fields = [
            "id", "risk", "risk_reference", "risk_title", "requested_by", "requested_at", "rationale",
            "expires_on", "above_appetite", "status", "officer_approved_by", "officer_approved_at",
            "admin_approved_by", "admin_approved_at", "decided_at", "rejected_by", "rejection_reason",
            "revoked_by", "revoked_at", "revocation_reason", "approvals_needed", "your_approval",
            "you_may_reject", "you_may_revoke",
        ]  # fmt: skip
        read_only_fields = fields

    def _user(self):
        return self.context["request"].user

    def get_approvals_needed(self, acceptance) -> list[str]:
        return queries.approvals_needed(acceptance)

    def get_your_approval(self, acceptance) -> str | None:
        """officer or admin: the approval you may give now; null: none."""
        return queries.approval_for(acceptance, self._user())

    def get_you_may_reject(self, acceptance) -> bool:
        return queries.can_reject(self._user(), acceptance)

    def get_you_may_revoke(self, acceptance) -> bool:
        return queries.can_revoke(self._user(), acceptance)


class AcceptanceRequestSerializer(serializers.Serializer):
    risk = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX, help_text="The risk (you own it).")
    rationale = StrictCharField(
        max_length=AcceptanceRequestForm.base_fields["rationale"].max_length,  # type: ignore[attr-defined]
        help_text="Why the risk is acceptable as it is, for now.",
    )
    expires_on = serializers.DateField(help_text="In the future, and at most a year from today.")


class ReasonSerializer(serializers.Serializer):
    reason = StrictCharField(
        max_length=ReasonForm.base_fields["reason"].max_length,  # type: ignore[attr-defined]
    )


class AcceptanceFilter(PageFilterSet):
    """The acceptances page's filters, validated by its form (``AcceptanceFilterForm``)."""

    scope = django_filters.ChoiceFilter(
        method="by_page",
        choices=[ANY, ("awaiting", "Awaiting my approval"), ("all", "All I can see")],
        help_text="awaiting (the default): those you may approve now; all: every one you may see.",
    )
    status = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *AcceptanceStatus.choices])
    q = django_filters.CharFilter(method="by_page", help_text="Part of the risk's reference or title.")

    class Meta:
        model = RiskAcceptance
        fields: list[str] = []

    def page_form(self):
        return AcceptanceFilterForm(self.data)

    def apply(self, queryset, data):
        wanted = self.page.filters()
        wanted.pop("sort")  # a cursor page has its own order
        if wanted.pop("scope") == "awaiting":
            acceptances = queries.awaiting_approval(self.request.user)
        else:
            acceptances = queries.acceptances_for_user(self.request.user)
        return queries.filter_acceptances(acceptances, **wanted)


class AcceptancePage(CursorPage):
    ordering = ("-requested_at", "-pk")


class AcceptanceViewSet(
    ApiViewMixin, ConditionalMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin
):
    """Acceptances: the list for approvers (security officers, admins) and auditors, newest request first; an
    acceptance for whoever sees its risk (admins also those above appetite)."""

    serializer_class = AcceptanceSerializer
    filterset_class = AcceptanceFilter
    pagination_class = AcceptancePage
    queryset = RiskAcceptance.objects.none()  # for the schema; each request reads get_queryset

    def get_queryset(self):
        if self.action == "list" and not queries.may_list_acceptances(self.request.user):
            raise PermissionDenied("The acceptances list is for approvers and auditors.")
        return queries.acceptances_for_user(self.request.user)

    def fetch(self, pk):
        return queries.get_acceptance_for_user(self.request.user, None, pk)

    @extend_schema(request=AcceptanceRequestSerializer, responses={201: AcceptanceSerializer})
    @idempotent
    def create(self, request):
        """The risk's owner asks to accept an open risk until a day at most a year away; the approvers are
        told. A risk you may not see is a 404; one you do not own a 403."""
        form = AcceptanceRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        risk = queries.get_risk_to_accept(request.user, data.pop("risk"))
        with service_errors():
            acceptance = services.acceptance_request(risk=risk, actor=request.user, **data)
        answer = self.get_serializer(queries.get_acceptance_for_user(request.user, None, acceptance.pk))
        return Response(answer.data, status=status.HTTP_201_CREATED)

    def _answer(self, acceptance):
        return Response(self.get_serializer(self.fetch(acceptance.pk)).data)

    @extend_schema(request=None, responses=AcceptanceSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Give your approval (security officer; admin when above appetite); the last one needed accepts the
        risk. The owner never approves (403)."""
        acceptance = self.get_object()
        with service_errors():
            acceptance = services.acceptance_approve(acceptance=acceptance, actor=request.user)
        return self._answer(acceptance)

    @extend_schema(request=ReasonSerializer, responses=AcceptanceSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Refuse a requested acceptance with a reason (approvers other than the owner); the owner is told."""
        acceptance = self.get_object()
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors():
            acceptance = services.acceptance_reject(
                acceptance=acceptance, actor=request.user, reason=form.validated_data["reason"]
            )
        return self._answer(acceptance)

    @extend_schema(request=ReasonSerializer, responses=AcceptanceSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """End an acceptance in force, with a reason (security officers); the risk is open again."""
        acceptance = self.get_object()
        form = ReasonSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors():
            acceptance = services.acceptance_revoke(
                acceptance=acceptance, actor=request.user, reason=form.validated_data["reason"]
            )
        return self._answer(acceptance)
