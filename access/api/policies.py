"""Review policies, read by security officers and auditors (403 for anyone else, as on the pages): scope,
reviewer rule, cadence, reminders, escalation and default decision; created, changed, enabled (a policy
that revokes by default with the count of grants it would revoke confirmed) and disabled by security
officers, through the page's forms and ``access.services.policies``."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import FormInput, HelperObject, PageFormFilter, described, form_input, one_of, refusals
from access.choices import DefaultDecision
from access.forms.policies import EnableForm, PolicyFilterForm, PolicyForm
from access.models import ReviewPolicy, System
from access.queries import campaigns as campaign_queries
from access.queries import policies as queries
from access.services import policies as services
from access.services.policies import EDITABLE_FIELDS
from dpms.api.conventions import SAFE, ApiViewMixin, ConditionalMixin


class PolicySerializer(serializers.ModelSerializer):
    fallback_reviewer_email = serializers.EmailField(source="fallback_reviewer.email", read_only=True)
    named_reviewer_email = serializers.EmailField(
        source="named_reviewer.email", read_only=True, allow_null=True, default=None
    )
    campaign_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = ReviewPolicy
        fields = [
            "id", "name", "description", "enabled", "environments", "privileged_only", "reviewer_rule",
            "named_reviewer", "named_reviewer_email", "fallback_reviewer", "fallback_reviewer_email",
            "cadence", "start_date", "duration_days", "reminder_days_before_due", "remind_at_launch",
            "remind_at_half_time", "remind_daily_when_overdue", "escalate_after_overdue_days",
            "default_decision", "auto_apply", "auto_revoke_confirm_share", "next_run_at", "created_at",
            "campaign_count",
        ]  # fmt: skip


class PolicySystemSerializer(serializers.ModelSerializer):
    class Meta:
        model = System
        fields = ["id", "name"]


class PolicyDetailSerializer(PolicySerializer):
    systems = serializers.SerializerMethodField(help_text="The systems it covers (none: all).")
    revoke_exposure = serializers.SerializerMethodField(
        help_text="For a policy that revokes by default: how many grants it would revoke today."
    )

    class Meta(PolicySerializer.Meta):
        fields = [*PolicySerializer.Meta.fields, "systems", "revoke_exposure"]

    def get_revoke_exposure(self, policy) -> int | None:
        if policy.default_decision != DefaultDecision.REVOKE:
            return None
        return queries.revoke_exposure(policy)

    @extend_schema_field(PolicySystemSerializer(many=True))
    def get_systems(self, policy) -> list:
        return PolicySystemSerializer(queries.policy_systems(policy), many=True).data


class PolicyInput(FormInput):
    """The policy form (``PolicyForm``). A PATCH keeps what it does not send; a POST or PUT sends the whole
    policy, as the page's form does (a yes/no left out is no)."""

    form_class = PolicyForm
    name = serializers.CharField()
    description = serializers.CharField(required=False, allow_blank=True)
    systems = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="System ids; none: every system."
    )
    environments = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="production, staging, development; none: all.",
    )
    privileged_only = serializers.BooleanField(required=False)
    reviewer_rule = serializers.CharField(help_text="manager, owner or named")
    named_reviewer = serializers.IntegerField(required=False, allow_null=True, help_text="A person's id.")
    fallback_reviewer = serializers.IntegerField(help_text="A person's id.")
    cadence = serializers.CharField(help_text="monthly, quarterly, half_yearly or yearly")
    start_date = serializers.DateField()
    duration_days = serializers.IntegerField()
    reminder_days_before_due = serializers.ListField(
        child=serializers.IntegerField(), required=False, help_text="e.g. [3, 1]"
    )
    remind_at_launch = serializers.BooleanField(required=False)
    remind_at_half_time = serializers.BooleanField(required=False)
    remind_daily_when_overdue = serializers.BooleanField(required=False)
    escalate_after_overdue_days = serializers.IntegerField()
    default_decision = serializers.CharField(help_text="keep, revoke or flag")
    auto_apply = serializers.BooleanField(required=False)
    auto_revoke_confirm_share = serializers.DecimalField(max_digits=4, decimal_places=3)

    def form_data(self):
        data = {**self.context.get("current", {}), **super().form_data()}
        days = data.get("reminder_days_before_due")
        if isinstance(days, list) and all(isinstance(day, int) and not isinstance(day, bool) for day in days):
            data["reminder_days_before_due"] = ", ".join(str(day) for day in days)
        return data


class EnableInput(FormInput):
    form_class = EnableForm
    confirm = serializers.BooleanField(
        required=False, help_text="For a policy that revokes by default: you know how many grants it revokes."
    )
    confirmed_count = serializers.IntegerField(
        required=False, allow_null=True, help_text="That number (the policy's revoke_exposure), typed back."
    )


def _current(policy: ReviewPolicy) -> dict:
    """A policy's values as its form is filled with them (for a PATCH)."""
    values = {name: getattr(policy, name) for name in EDITABLE_FIELDS}
    values["named_reviewer"] = policy.named_reviewer_id
    values["fallback_reviewer"] = policy.fallback_reviewer_id
    values["reminder_days_before_due"] = list(policy.reminder_days_before_due or [])
    values["start_date"] = policy.start_date.isoformat()
    values["systems"] = [system.pk for system in queries.policy_systems(policy)]
    return values


class PolicyFilter(PageFormFilter):
    """The policies page's filters (``PolicyFilterForm``)."""

    q = django_filters.CharFilter(method=described, help_text="Part of the name.")
    enabled = one_of(["yes", "no"])

    class Meta:
        model = ReviewPolicy
        fields: list[str] = []

    def page_form(self, data):
        return PolicyFilterForm(data)

    def apply(self, policies, cleaned):
        criteria = {key: value for key, value in cleaned.items() if value and key != "sort"}
        return queries.policies_for(self.request.user, **criteria)


class PolicyViewSet(
    ConditionalMixin,
    ApiViewMixin,
    HelperObject,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Review policies by name."""

    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    queryset = ReviewPolicy.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = PolicyFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.policies_for(self.request.user)

    def get_serializer_class(self):
        return PolicySerializer if self.action == "list" else PolicyDetailSerializer

    def fetch_object(self, pk):
        manage = self.request.method not in SAFE
        policy = queries.get_policy_for(self.request.user, pk, manage=manage)
        return self.get_queryset().get(pk=policy.pk)  # with its campaigns counted, as the list has it

    def _answer(self, policy, status_code=status.HTTP_200_OK):
        policy = self.get_queryset().get(pk=policy.pk)
        return Response(PolicyDetailSerializer(policy).data, status=status_code)

    def _save(self, request, policy=None, *, partial=False):
        current = _current(policy) if partial and policy is not None else {}
        body = PolicyInput(
            data=request.data,
            context={"request": request, "current": current, "form_kwargs": {"instance": policy}},
        )
        body.is_valid(raise_exception=True)
        form = body.form
        with refusals(PolicyInput._declared_fields):
            if policy is None:
                return services.policy_create(
                    actor=request.user,
                    values=form.service_values(),
                    systems=form.cleaned_data["systems"],
                    now=timezone.now(),
                )
            return services.policy_update(
                actor=request.user,
                policy=policy,
                values=form.service_values(),
                systems=form.cleaned_data["systems"],
                now=timezone.now(),
            )

    @extend_schema(request=PolicyInput, responses={201: PolicyDetailSerializer})
    def create(self, request):
        """Create a policy (security officers); it is disabled until enabled."""
        campaign_queries.require_manage(request.user)
        return self._answer(self._save(request), status.HTTP_201_CREATED)

    @extend_schema(request=PolicyInput, responses=PolicyDetailSerializer)
    def update(self, request, pk=None):
        """Change the whole policy (security officers; If-Match)."""
        return self._answer(self._save(request, self.get_object()))

    @extend_schema(request=PolicyInput(partial=True), responses=PolicyDetailSerializer)
    def partial_update(self, request, pk=None):
        """Change some of the policy's values; the others are kept (security officers; If-Match)."""
        return self._answer(self._save(request, self.get_object(), partial=True))

    @extend_schema(request=EnableInput, responses=PolicyDetailSerializer)
    @action(detail=True, methods=["post"])
    def enable(self, request, pk=None):
        """Switch the policy on: the tick launches its campaigns on schedule. One that revokes undecided
        grants needs ``confirm`` and ``confirmed_count`` equal to its current ``revoke_exposure``."""
        policy = self.get_object()
        data = form_input(EnableInput, request)
        confirmed = data["confirmed_count"] if data["confirm"] else None
        with refusals(EnableInput._declared_fields):
            services.policy_enable(
                actor=request.user, policy=policy, now=timezone.now(), confirmed_count=confirmed
            )
        return self._answer(policy)

    @extend_schema(request=None, responses=PolicyDetailSerializer)
    @action(detail=True, methods=["post"])
    def disable(self, request, pk=None):
        """Switch the policy off: no further campaigns; running ones carry on."""
        policy = self.get_object()
        services.policy_disable(actor=request.user, policy=policy)
        return self._answer(policy)
