"""Follow-ups of "no" answers through the API (/api/v1/policy-follow-ups/), over the same queries and service
as the pages: the list of those you may see (yours, your reports', every one for officers and auditors),
filtered by the list page's form; one follow-up; resolving it with a note (the person's manager or an
officer)."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, CursorPage, service_errors
from dpms.api.fields import StrictCharField
from dpms.api.pages import ANY, YES_NO, FetchedViewSet, IdFilter, PageFilterSet, choice
from policies.choices import FollowUpStatus
from policies.forms.followups import FollowUpFilterForm
from policies.models import FollowUp
from policies.queries import followups as queries
from policies.queries.documents import policies_for_user
from policies.services import followups as services
from policies.services.followups import RESOLUTION_MAX


class PolicyFollowUpSerializer(serializers.ModelSerializer):
    """A follow-up with the "no" answer that opened it."""

    status = choice(FollowUpStatus.choices, read_only=True)
    person_email = serializers.EmailField(source="person.email", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    manager_email = serializers.EmailField(
        source="manager.email", read_only=True, allow_null=True, default=None
    )
    policy = serializers.IntegerField(source="answer.assignment.campaign.policy_id", read_only=True)
    policy_title = serializers.CharField(source="answer.assignment.campaign.policy.title", read_only=True)
    version = serializers.IntegerField(source="answer.assignment.campaign.version.number", read_only=True)
    campaign = serializers.IntegerField(source="answer.assignment.campaign_id", read_only=True)
    question = serializers.CharField(source="answer.question.text", read_only=True)
    explanation = serializers.CharField(source="answer.explanation", read_only=True)
    answered_at = serializers.DateTimeField(source="answer.answered_at", read_only=True)
    resolved_by_email = serializers.EmailField(
        source="resolved_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = FollowUp
        fields = [
            "id", "status", "person", "person_email", "person_name", "manager", "manager_email", "policy",
            "policy_title", "version", "campaign", "question", "explanation", "answered_at", "created_at",
            "due_at", "resolved_at", "resolved_by", "resolved_by_email", "resolution",
        ]  # fmt: skip
        read_only_fields = fields


class PolicyFollowUpDetailSerializer(PolicyFollowUpSerializer):
    you_may_resolve = serializers.BooleanField(
        read_only=True, help_text="The person's manager or a security officer, while it is open."
    )

    class Meta(PolicyFollowUpSerializer.Meta):
        fields = [*PolicyFollowUpSerializer.Meta.fields, "you_may_resolve"]
        read_only_fields = fields


class PolicyFollowUpResolveSerializer(serializers.Serializer):
    resolution = StrictCharField(max_length=RESOLUTION_MAX, help_text="What was done (the person is told).")


class FollowUpFilter(PageFilterSet):
    """The follow-ups page's filters, validated by its form (``FollowUpFilterForm``)."""

    scope = django_filters.ChoiceFilter(
        method="by_page",
        choices=[ANY, ("mine", "mine"), ("team", "team"), ("all", "all")],
        help_text="mine: your own; team: your reports'; all (officers and auditors): every one.",
    )
    status = django_filters.ChoiceFilter(
        method="by_page",
        choices=[ANY, ("any", "any"), *FollowUpStatus.choices],
        help_text="open by default; any: open and resolved.",
    )
    policy = IdFilter(method="by_page", help_text="A policy id.")
    team = IdFilter(method="by_page", help_text="The person's team id.")
    overdue = django_filters.ChoiceFilter(
        method="by_page", choices=YES_NO, help_text="true: open and past due."
    )
    q = django_filters.CharFilter(
        method="by_page", help_text="Part of the person's name or email, the question or reason."
    )

    class Meta:
        model = FollowUp
        fields: list[str] = []

    def page_form(self):
        return FollowUpFilterForm(self.data, sees_all=True, policies=policies_for_user(self.request.user))

    def apply(self, queryset, data):
        wanted = self.page.filters()
        wanted.pop("sort")  # a cursor page has its own order
        return queries.filter_follow_ups(queryset, user=self.request.user, now=timezone.now(), **wanted)


class FollowUpPage(CursorPage):
    ordering = ("due_at", "pk")


class FollowUpViewSet(ApiViewMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Follow-ups you may see, open ones by default, soonest due first."""

    serializer_class = PolicyFollowUpDetailSerializer
    filterset_class = FollowUpFilter
    pagination_class = FollowUpPage
    queryset = FollowUp.objects.none()  # for the schema; each request reads get_queryset

    def get_serializer_class(self):
        return PolicyFollowUpSerializer if self.action == "list" else PolicyFollowUpDetailSerializer

    def get_queryset(self):
        return queries.follow_ups_for(self.request.user)

    def fetch(self, pk):
        follow_up = queries.get_follow_up_for(self.request.user, pk)
        follow_up.you_may_resolve = queries.may_resolve(self.request.user, follow_up)
        return follow_up

    @extend_schema(request=PolicyFollowUpResolveSerializer, responses=PolicyFollowUpDetailSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Resolve an open follow-up with a note (the person's manager or a security officer; 403 for others):
        audited, and the person is told."""
        follow_up = self.get_object()
        queries.require_resolve(request.user, follow_up)
        form = PolicyFollowUpResolveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        with service_errors():
            services.follow_up_resolve(
                actor=request.user, follow_up=follow_up, resolution=form.validated_data["resolution"]
            )
        return Response(PolicyFollowUpDetailSerializer(self.fetch(follow_up.pk)).data)
