"""Review campaigns: the list and one campaign with its progress (summed from the tallies the services
keep, never by counting items), and launching an ad hoc campaign of a policy now (its items are written in
the background: read ``items_created`` and ``status`` until it is open). Security officers launch;
auditors read; anyone else gets a 403, as on the pages."""

import django_filters
from django.http import Http404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import PageFormFilter, checked_id, described, refusals
from access.choices import CampaignStatus
from access.forms.campaigns import CampaignFilterForm
from access.models import ReviewCampaign
from access.queries import campaigns as queries
from access.queries import policies as policy_queries
from access.services import campaigns as services
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage, idempotent


class CampaignSerializer(serializers.ModelSerializer):
    policy_name = serializers.CharField(source="policy.name", read_only=True, allow_null=True, default=None)
    # Text, not an enum: the "status" enums of several endpoints would collide in the schema's names.
    status = serializers.CharField(read_only=True, help_text=", ".join(CampaignStatus.values))
    kind = serializers.CharField(read_only=True, help_text="scheduled, ad_hoc or mover")
    item_count = serializers.IntegerField(read_only=True, help_text="Items under review.")
    decided_count = serializers.IntegerField(
        read_only=True,
        help_text="Items with a decision, by a person or the default at close (reviewed + defaulted): "
        "not the review's progress.",
    )
    reviewed_count = serializers.IntegerField(read_only=True, help_text="Items decided by a person.")
    defaulted_count = serializers.IntegerField(
        read_only=True, help_text="Items nobody decided that took the default at close."
    )
    pending_count = serializers.IntegerField(read_only=True, help_text="Items not decided yet.")
    percent = serializers.SerializerMethodField(help_text="Reviewed by a person, in percent of the items.")
    reviewed_percent = serializers.SerializerMethodField(help_text="The same as percent.")
    defaulted_percent = serializers.SerializerMethodField(help_text="Defaulted, in percent of the items.")
    pending_percent = serializers.SerializerMethodField(help_text="Pending, in percent of the items.")

    class Meta:
        model = ReviewCampaign
        fields = [
            "id", "policy", "policy_name", "kind", "name", "period_key", "status", "launched_by",
            "launched_at", "due_at", "closes_at", "closed_at", "closed_by", "close_confirmed_by",
            "population_count", "population_sha256", "items_created", "evidence_sha256",
            "evidence_generated_at", "item_count", "decided_count", "pending_count", "percent",
            "reviewed_count", "defaulted_count", "reviewed_percent", "defaulted_percent", "pending_percent",
        ]  # fmt: skip

    def get_percent(self, campaign) -> int:
        return queries.numbers_of(campaign).reviewed_percent

    def get_reviewed_percent(self, campaign) -> int:
        return queries.numbers_of(campaign).reviewed_percent

    def get_defaulted_percent(self, campaign) -> int:
        return queries.numbers_of(campaign).defaulted_percent

    def get_pending_percent(self, campaign) -> int:
        return queries.numbers_of(campaign).pending_percent


class ReviewerProgressSerializer(serializers.Serializer):
    reviewer = serializers.IntegerField(source="reviewer_id")
    name = serializers.CharField()
    email = serializers.EmailField()
    total = serializers.IntegerField()
    decided = serializers.IntegerField(help_text="Reviewed + defaulted: not the reviewer's progress.")
    reviewed = serializers.IntegerField(help_text="Decided by a person.")
    defaulted = serializers.IntegerField(help_text="Took the default at close: nobody decided them.")
    pending = serializers.IntegerField()
    percent = serializers.IntegerField(help_text="Reviewed by a person, in percent.")
    overdue = serializers.BooleanField(help_text="Items still pending after the due date.")


class FlaggedSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="rerouted, no_response, bulk or override")
    title = serializers.CharField()
    count = serializers.IntegerField()
    items = serializers.SerializerMethodField(help_text="The first items (ids), by holder.")

    def get_items(self, flagged) -> list[int]:
        return [item.pk for item in flagged["items"]]


class ReviewerPageSerializer(serializers.Serializer):
    page = serializers.IntegerField(source="number")
    pages = serializers.IntegerField(source="paginator.num_pages")
    results = ReviewerProgressSerializer(source="object_list", many=True)


class NumbersSerializer(serializers.Serializer):
    """The campaign's items in three parts: reviewed by a person, defaulted (nobody decided them, the
    default applied at close), pending; the percentages add up to 100 (all 0 without items)."""

    total = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    defaulted = serializers.IntegerField()
    pending = serializers.IntegerField()
    reviewed_percent = serializers.IntegerField()
    defaulted_percent = serializers.IntegerField()
    pending_percent = serializers.IntegerField()


class DashboardSerializer(serializers.Serializer):
    """The campaign page's progress: by decision, by reviewer (50 a page), overdue reviewers, flagged
    items, all from the tallies and partial indexes (the same few queries at any size)."""

    numbers = NumbersSerializer()
    by_decision = serializers.SerializerMethodField()
    reviewers = ReviewerPageSerializer()
    reviewer_sort = serializers.CharField()
    overdue_count = serializers.IntegerField()
    overdue_reviewers = ReviewerProgressSerializer(many=True)
    flagged = FlaggedSerializer(many=True)

    def get_by_decision(self, dashboard) -> dict[str, int]:
        return {value: count for value, _label, count in dashboard.by_decision}


class LaunchInput(serializers.Serializer):
    policy = serializers.IntegerField(help_text="The review policy to launch a campaign of, now.")


class CampaignFilter(PageFormFilter):
    """The campaigns page's filters (``CampaignFilterForm``)."""

    q = django_filters.CharFilter(method=described, help_text="Part of the name.")
    status = django_filters.CharFilter(method=described, help_text=", ".join(CampaignStatus.values))
    policy = django_filters.NumberFilter(method=described, help_text="A review policy's id.")

    class Meta:
        model = ReviewCampaign
        fields: list[str] = []

    def page_form(self, data):
        return CampaignFilterForm(data)

    def apply(self, campaigns, cleaned):
        policy = cleaned.get("policy")
        return queries.campaigns_for(
            self.request.user,
            q=cleaned.get("q") or "",
            status=cleaned.get("status") or "",
            policy_id=policy.pk if policy else None,
        )


class CampaignPage(CursorPage):
    ordering = ("-launched_at", "-pk")


class CampaignViewSet(
    ConditionalMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Campaigns, newest first, with their progress (security officers and auditors)."""

    serializer_class = CampaignSerializer
    queryset = ReviewCampaign.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = CampaignFilter
    pagination_class = CampaignPage
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.campaigns_for(self.request.user)

    def get_object(self):
        campaign = queries.get_campaign_for(self.request.user, checked_id(self.kwargs["pk"]))
        self.check_object_permissions(self.request, campaign)
        return campaign

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="The page of reviewers (50 a page)."),
            OpenApiParameter(
                "sort", str, enum=["pending", "name"], description="Reviewers by pending or name."
            ),
        ],
        responses=DashboardSerializer,
    )
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def progress(self, request, pk=None):
        """The campaign's progress as its page shows it: counts by decision, each reviewer's progress,
        overdue reviewers and the flagged items (security officers and auditors)."""
        campaign = self.get_object()
        dashboard = queries.campaign_dashboard(
            campaign,
            now=timezone.now(),
            reviewer_page=request.query_params.get("page"),
            reviewer_sort=request.query_params.get("sort", "pending"),
        )
        return Response(DashboardSerializer(dashboard).data)

    @extend_schema(request=LaunchInput, responses={201: CampaignSerializer})
    @idempotent
    def create(self, request):
        """Launch an ad hoc campaign of a review policy now, whatever its schedule (security officers). The
        answer is the campaign while it launches; its ``Location`` is the address to poll."""
        queries.require_manage(request.user)
        body = LaunchInput(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            policy = policy_queries.get_policy_for(
                request.user, checked_id(body.validated_data["policy"]), manage=True
            )
        except Http404:
            raise serializers.ValidationError({"policy": ["No such review policy."]}) from None
        with refusals():
            campaign = services.campaign_launch_now(actor=request.user, policy=policy)
        campaign = queries.get_campaign_for(request.user, campaign.pk)
        answer = Response(CampaignSerializer(campaign).data, status=status.HTTP_201_CREATED)
        answer["Location"] = request.build_absolute_uri(f"{request.path}{campaign.pk}/")
        return answer
