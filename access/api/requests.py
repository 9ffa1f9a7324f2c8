"""Access requests: ask (for yourself, or a manager for a report), approve, reject, withdraw; your requests
and those waiting for your approval. The approval rules are ``access.queries.requests``'s and the actions
``access.services.requests``'s, as on the pages."""

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import FormInput, HelperObject, PageFormFilter, described, form_input, refusals
from access.choices import RequestStatus
from access.forms.requests import AccessRequestForm, ApproveForm, RejectForm, RequestFilterForm
from access.models import AccessRequest
from access.queries import requests as queries
from access.services import requests as services
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, idempotent


class RequestSerializer(serializers.ModelSerializer):
    requested_by_email = serializers.EmailField(source="requested_by.email", read_only=True)
    requested_for_email = serializers.EmailField(source="requested_for.email", read_only=True)
    system = serializers.IntegerField(source="role.system_id", read_only=True)
    system_name = serializers.CharField(source="role.system.name", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    privileged = serializers.BooleanField(source="role.privileged", read_only=True)
    # Text, not an enum: the "status" enums of several endpoints would collide in the schema's names.
    status = serializers.CharField(read_only=True, help_text=", ".join(RequestStatus.values))

    class Meta:
        model = AccessRequest
        fields = [
            "id", "requested_by", "requested_by_email", "requested_for", "requested_for_email", "system",
            "system_name", "role", "role_name", "privileged", "justification", "end_date", "status",
            "created_at", "manager_approved_by", "manager_approved_at", "owner_approved_by",
            "owner_approved_at", "rejected_by", "rejected_at", "rejection_reason", "grant",
        ]  # fmt: skip


class StepSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="manager or owner")
    label = serializers.CharField()
    designated = serializers.IntegerField(source="designated.pk", allow_null=True, default=None)
    approvers = serializers.SerializerMethodField(help_text="Who may give this approval now (ids).")
    fallback = serializers.BooleanField(help_text="The security officers stand in for the designated one.")
    done = serializers.BooleanField()

    def get_approvers(self, step) -> list[int]:
        return sorted(step.approver_ids)


class RequestDetailSerializer(RequestSerializer):
    """A request with its approval steps and what the caller may do with it (the detail page's buttons)."""

    steps = serializers.SerializerMethodField()
    my_step = serializers.SerializerMethodField(help_text="The step you may approve now, if any.")
    over_limit = serializers.SerializerMethodField(
        help_text="Approving goes past the system's maximum of privileged holders (confirm_over_limit)."
    )
    can_withdraw = serializers.SerializerMethodField()

    class Meta(RequestSerializer.Meta):
        fields = [*RequestSerializer.Meta.fields, "steps", "my_step", "over_limit", "can_withdraw"]

    def _user(self):
        return self.context["request"].user

    @extend_schema_field(StepSerializer(many=True))
    def get_steps(self, obj) -> list:
        return StepSerializer(queries.approval_steps(obj, obj.officer_ids), many=True).data

    def get_my_step(self, obj) -> str | None:
        step = queries.step_for_approver(obj, self._user(), obj.officer_ids)
        return step.name if step is not None else None

    def get_over_limit(self, obj) -> bool:
        step = queries.step_for_approver(obj, self._user(), obj.officer_ids)
        return step is not None and queries.over_privileged_limit(obj)

    def get_can_withdraw(self, obj) -> bool:
        return obj.status == RequestStatus.PENDING and queries.may_withdraw(self._user(), obj)


class AskInput(FormInput):
    """The "Ask for access" form (``AccessRequestForm``)."""

    form_class = AccessRequestForm
    requested_for = serializers.IntegerField(
        required=False, help_text="Yourself (the default) or one of your direct reports (id)."
    )
    role = serializers.IntegerField(help_text="The role's id (not a portal role).")
    justification = serializers.CharField(help_text="Why the access is needed.")
    end_date = serializers.DateField(
        required=False, allow_null=True, help_text="Temporary access ends at the end of this day."
    )

    def form_data(self):
        data = super().form_data()
        data.setdefault("requested_for", self.context["request"].user.pk)
        return data


class ApproveInput(FormInput):
    form_class = ApproveForm
    confirm_over_limit = serializers.BooleanField(
        required=False, help_text="Approve although the system is at its maximum of privileged holders."
    )


class RejectInput(FormInput):
    form_class = RejectForm
    reason = serializers.CharField(help_text="Told to the requester and the person it was for.")


class RequestFilter(PageFormFilter):
    """The request lists' filters (``RequestFilterForm``)."""

    q = django_filters.CharFilter(method=described, help_text="Part of the person's name or email, or role.")
    system = django_filters.NumberFilter(method=described, help_text="A system's id.")
    status = django_filters.CharFilter(
        method=described, help_text=f"Your requests only: {', '.join(RequestStatus.values)}."
    )

    class Meta:
        model = AccessRequest
        fields: list[str] = []

    def page_form(self, data):
        return RequestFilterForm(data)

    def apply(self, requests, cleaned):
        return requests  # the lists' queries take the filters themselves (get_queryset)


class RequestViewSet(
    ConditionalMixin,
    ApiViewMixin,
    HelperObject,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Your requests (made by you or for you), newest first; ``awaiting/``: those you may approve now."""

    queryset = AccessRequest.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = RequestFilter
    lookup_value_converter = "int"

    def _filters(self) -> dict:
        form = RequestFilterForm(self.request.query_params or None)
        if self.action == "awaiting":
            del form.fields["status"]
        return form.filters()

    def get_queryset(self):
        user = self.request.user
        if self.action == "awaiting":
            waiting = queries.awaiting_approval(user, **self._filters())
            return queries.requests_with_people().filter(pk__in=[request.pk for request in waiting])
        if self.action == "list":
            return queries.my_requests(user, **self._filters())
        return queries.requests_with_people()

    def get_serializer_class(self):
        return RequestSerializer if self.action in ("list", "awaiting") else RequestDetailSerializer

    def fetch_object(self, pk):
        request, officer_ids = queries.get_request_for_user(self.request.user, pk)
        request.officer_ids = officer_ids
        return request

    def _answer(self, access_request, *, status_code=status.HTTP_200_OK):
        request, officer_ids = queries.get_request_for_user(self.request.user, access_request.pk)
        request.officer_ids = officer_ids
        return Response(self.get_serializer(request).data, status=status_code)

    @extend_schema(responses=RequestSerializer(many=True))
    @action(detail=False, methods=["get"])
    def awaiting(self, request):
        """Pending requests you may approve now (the Approvals page), filtered as it filters them."""
        return self.list(request)

    @extend_schema(request=AskInput, responses={201: RequestDetailSerializer})
    @idempotent
    def create(self, request):
        """Ask for a role for yourself, or (a manager) for a direct report; the approvers are told."""
        data = form_input(AskInput, request, user=request.user)
        with refusals(AskInput._declared_fields):
            created = services.request_create(actor=request.user, **data)
        return self._answer(created, status_code=status.HTTP_201_CREATED)

    @extend_schema(request=ApproveInput, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        """Give your approval (the manager step first, then the owner's for a privileged role); the last one
        gives the grant. 403 when you are not an approver of it."""
        access_request = self.get_object()
        data = form_input(ApproveInput, request)
        with refusals(ApproveInput._declared_fields):
            services.request_approve(
                actor=request.user, request=access_request, confirm_over_limit=data["confirm_over_limit"]
            )
        return self._answer(access_request)

    @extend_schema(request=RejectInput, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        """Refuse the request with a reason (its approvers only)."""
        access_request = self.get_object()
        data = form_input(RejectInput, request)
        with refusals(RejectInput._declared_fields):
            services.request_reject(actor=request.user, request=access_request, reason=data["reason"])
        return self._answer(access_request)

    @extend_schema(request=None, responses=RequestDetailSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        """Take back your pending request (its requester only)."""
        access_request = self.get_object()
        with refusals():
            services.request_withdraw(actor=request.user, request=access_request)
        return self._answer(access_request)
