"""Review policies, read by security officers and auditors (403 for anyone else, as on the pages): scope,
reviewer rule, cadence, reminders, escalation and default decision. They are written on the pages."""

import django_filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers, viewsets

from access.api import PageFormFilter, checked_id, described
from access.forms.policies import PolicyFilterForm
from access.models import ReviewPolicy, System
from access.queries import policies as queries
from dpms.api.conventions import ApiViewMixin, ConditionalMixin


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

    class Meta(PolicySerializer.Meta):
        fields = [*PolicySerializer.Meta.fields, "systems"]

    @extend_schema_field(PolicySystemSerializer(many=True))
    def get_systems(self, policy) -> list:
        return PolicySystemSerializer(queries.policy_systems(policy), many=True).data


class PolicyFilter(PageFormFilter):
    """The policies page's filters (``PolicyFilterForm``)."""

    q = django_filters.CharFilter(method=described, help_text="Part of the name.")
    enabled = django_filters.ChoiceFilter(method=described, choices=[("yes", "yes"), ("no", "no")])

    class Meta:
        model = ReviewPolicy
        fields: list[str] = []

    def page_form(self, data):
        return PolicyFilterForm(data)

    def apply(self, policies, cleaned):
        criteria = {key: value for key, value in cleaned.items() if value and key != "sort"}
        return queries.policies_for(self.request.user, **criteria)


class PolicyViewSet(ConditionalMixin, ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Review policies by name."""

    queryset = ReviewPolicy.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = PolicyFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.policies_for(self.request.user)

    def get_serializer_class(self):
        return PolicySerializer if self.action == "list" else PolicyDetailSerializer

    def get_object(self):
        policy = queries.get_policy_for(self.request.user, checked_id(self.kwargs["pk"]))
        self.check_object_permissions(self.request, policy)
        return self.get_queryset().get(pk=policy.pk)  # with its campaigns counted, as the list has it
