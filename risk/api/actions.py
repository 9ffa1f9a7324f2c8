"""Treatment actions through the API, over ``risk.services.actions``: add one to a risk and edit it (who may
change the risk), set its status (also the action's owner; "done" completes it), and the actions list
filtered by the actions page's form (yours by default)."""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage, idempotent, service_errors
from dpms.api.fields import RowField
from dpms.models import User
from risk.api import (
    ANY,
    YES_NO,
    FetchedViewSet,
    PageFilterSet,
    StrictCharField,
    StrictIntegerField,
    StrictModelSerializer,
    choice,
)
from risk.choices import ActionStatus
from risk.forms.actions import ActionFilterForm, ActionForm
from risk.models import TreatmentAction
from risk.queries import actions as queries
from risk.queries.register import get_risk_for_user
from risk.services import actions as services
from risk.services.actions import site_today

ROW_ID_MAX = 2**63 - 1
DESCRIPTION_MAX = ActionForm.base_fields["description"].max_length  # type: ignore[attr-defined]


class ActionSerializer(StrictModelSerializer):
    """A treatment action of a risk."""

    risk_reference = serializers.CharField(source="risk.reference", read_only=True)
    risk_title = serializers.CharField(source="risk.title", read_only=True)
    owner = RowField(
        queryset=User.objects.people().filter(is_active=True), help_text="The owner's person id."
    )
    owner_email = serializers.EmailField(source="owner.email", read_only=True)
    owner_name = serializers.CharField(source="owner.full_name", read_only=True)
    description = StrictCharField(required=False, allow_blank=True, max_length=DESCRIPTION_MAX)
    status = choice(ActionStatus.choices, read_only=True)

    class Meta:
        model = TreatmentAction
        fields = [
            "id", "risk", "risk_reference", "risk_title", "title", "description", "owner", "owner_email",
            "owner_name", "due_on", "status", "completed_at", "created_at",
        ]  # fmt: skip
        read_only_fields = ["risk", "completed_at", "created_at"]


class ActionDetailSerializer(ActionSerializer):
    """An action with what you may do on it."""

    you_may_change = serializers.BooleanField(
        read_only=True, help_text="Edit it (who may change the risk: officers, its owner, delegated editors)."
    )
    you_may_set_status = serializers.BooleanField(read_only=True, help_text="Also the action's owner.")

    class Meta(ActionSerializer.Meta):
        fields = [*ActionSerializer.Meta.fields, "you_may_change", "you_may_set_status"]


class ActionCreateSerializer(ActionSerializer):
    risk = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX, help_text="The risk it treats.")

    class Meta(ActionSerializer.Meta):
        read_only_fields = ["completed_at", "created_at"]


class ActionStatusSerializer(serializers.Serializer):
    status = choice(ActionStatus.choices, help_text="done completes the action; open reopens it.")


class OverdueCountSerializer(serializers.Serializer):
    overdue = serializers.IntegerField(
        help_text="Open or in-progress actions past their due day, register-wide."
    )


class ActionFilter(PageFilterSet):
    """The actions page's filters, validated by its form (``ActionFilterForm``)."""

    scope = django_filters.ChoiceFilter(
        method="by_page",
        choices=[ANY, ("mine", "My actions"), ("all", "All I can see")],
        help_text="mine (the default): the actions you own; all: every one you may see.",
    )
    status = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *ActionStatus.choices])
    overdue = django_filters.ChoiceFilter(
        method="by_page", choices=YES_NO, help_text="true: open or in progress, past due."
    )
    q = django_filters.CharFilter(
        method="by_page", help_text="Part of its title, its risk's reference or title."
    )

    class Meta:
        model = TreatmentAction
        fields: list[str] = []

    def page_form(self):
        return ActionFilterForm(self.data)

    def apply(self, queryset, data):
        wanted = self.page.filters()
        wanted.pop("sort")  # a cursor page has its own order
        mine = self.request.user if wanted.pop("scope") == "mine" else None
        return queries.filter_actions(queryset, today=site_today(), mine=mine, **wanted)


class ActionPage(CursorPage):
    ordering = ("due_on", "pk")


class ActionViewSet(
    ApiViewMixin,
    ConditionalMixin,
    FetchedViewSet,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
):
    """Treatment actions you may see (on risks you see, and those you own), earliest due first."""

    serializer_class = ActionDetailSerializer
    filterset_class = ActionFilter
    pagination_class = ActionPage
    queryset = TreatmentAction.objects.none()  # for the schema; each request reads get_queryset
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        return ActionSerializer if self.action == "list" else ActionDetailSerializer

    def get_queryset(self):
        return queries.actions_for_user(self.request.user)

    def fetch(self, pk):
        if self.action == "partial_update":  # as the edit page: 404 when hidden, 403 when not yours to edit
            action, may_change = queries.get_action_for_change(self.request.user, None, pk), True
        else:
            action, may_change = queries.get_action_for_user(self.request.user, None, pk)
        action.you_may_change = may_change
        action.you_may_set_status = queries.may_set_action_status(
            self.request.user, action, may_change_risk=may_change
        )
        return action

    @extend_schema(request=ActionCreateSerializer, responses={201: ActionDetailSerializer})
    @idempotent
    def create(self, request):
        """Add an action to a risk (who may change the risk: 404 when you do not see it, else 403); the
        owner is told when it is someone else. The due date is today or later."""
        form = ActionCreateSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        risk = get_risk_for_user(request.user, data.pop("risk"), for_change=True)
        with service_errors():
            created = services.action_create(risk=risk, actor=request.user, **data)
        return Response(ActionDetailSerializer(self.fetch(created.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=ActionSerializer, responses=ActionDetailSerializer)
    def partial_update(self, request, pk=None):
        """Change the title, description, owner or due date (who may change the risk); a new owner is told.
        Send ``If-Match`` with its ETag: no lost update."""
        current = self.get_object()
        form = ActionSerializer(current, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        wanted = {
            "title": current.title,
            "description": current.description,
            "owner": current.owner,
            "due_on": current.due_on,
            **form.validated_data,
        }
        with service_errors():
            services.action_update(action=current, actor=request.user, **wanted)
        return Response(ActionDetailSerializer(self.fetch(current.pk)).data)

    @extend_schema(request=ActionStatusSerializer, responses=ActionDetailSerializer)
    @action(detail=True, methods=["post"], url_path="status", url_name="status")
    def set_status(self, request, pk=None):
        """Move the action to a status: "done" completes it (the action's owner, or who may change the
        risk; auditors never)."""
        current = self.get_object()
        if not current.you_may_set_status:
            raise PermissionDenied("Only the action's owner or the risk's editors set its status.")
        form = ActionStatusSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors():
            services.action_set_status(
                action=current,
                actor=request.user,
                status=form.validated_data["status"],
                may_change_risk=current.you_may_change,
            )
        return Response(ActionDetailSerializer(self.fetch(current.pk)).data)

    @extend_schema(responses=OverdueCountSerializer, filters=False)
    @action(
        detail=False, methods=["get"], url_path="overdue-count", pagination_class=None, filterset_class=None
    )
    def overdue_count(self, request):
        """How many actions are overdue across the register (security officers, as their dashboard panel)."""
        if not queries.sees_overdue_count(request.user):
            raise PermissionDenied("The register-wide count of overdue actions is for security officers.")
        return Response({"overdue": queries.overdue_count(site_today())})
