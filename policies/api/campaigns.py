"""Acknowledgement campaigns through the API (/api/v1/policy-campaigns/), over the same queries and services
as the pages: the list (filtered by the list page's form) and one campaign with its numbers, for security
officers and auditors; launching one and closing it, for security officers."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, CursorPage, idempotent, service_errors
from dpms.api.fields import RowField, StrictBooleanField, StrictCharField
from dpms.api.pages import ANY, FetchedViewSet, IdFilter, PageFilterSet, choice
from policies.choices import CampaignKind, CampaignStatus, QuestionKind
from policies.forms.campaigns import CampaignFilterForm
from policies.models import Policy, PolicyCampaign
from policies.queries import campaigns as access
from policies.queries import progress
from policies.services import campaigns as services


class PolicyCampaignNumbersSerializer(serializers.Serializer):
    total = serializers.IntegerField(help_text="Everyone asked (the population frozen at launch).")
    done = serializers.IntegerField(help_text="Acknowledged (and answered).")
    pending = serializers.IntegerField(help_text="Still to do.")
    no_response = serializers.IntegerField(help_text="Still to do when the campaign closed.")
    excused = serializers.IntegerField(help_text="Left, or left the policy's audience, before doing it.")
    acknowledged_percent = serializers.IntegerField(help_text="Done of those not excused, rounded down.")


class PolicyCampaignSerializer(serializers.ModelSerializer):
    """A campaign with its numbers."""

    kind = choice(CampaignKind.choices, read_only=True)
    status = choice(CampaignStatus.choices, read_only=True)
    policy_title = serializers.CharField(source="policy.title", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)
    numbers = serializers.SerializerMethodField()

    class Meta:
        model = PolicyCampaign
        fields = [
            "id", "name", "policy", "policy_title", "version", "kind", "status", "launched_at", "due_at",
            "closed_at", "population_count", "population_sha256", "evidence_sha256", "numbers",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(PolicyCampaignNumbersSerializer)
    def get_numbers(self, campaign) -> dict:
        return progress.numbers_of(campaign).as_dict()


class PolicyQuestionInputSerializer(serializers.Serializer):
    text = StrictCharField(max_length=300)
    kind = choice(QuestionKind.choices, required=False, default=QuestionKind.YES_NO)
    help_text = StrictCharField(max_length=300, required=False, allow_blank=True, default="")
    required = StrictBooleanField(required=False, default=True)


class PolicyCampaignLaunchSerializer(serializers.Serializer):
    policy = RowField(queryset=Policy.objects.all(), help_text="The policy: its version in force is asked.")
    due_at = serializers.DateTimeField(required=False, help_text="Default: after the policy's duration.")
    questions = PolicyQuestionInputSerializer(
        many=True, required=False, help_text="Default: the policy's template questions."
    )


class CampaignFilter(PageFilterSet):
    """The campaigns page's filters, validated by its form (``CampaignFilterForm``)."""

    policy = IdFilter(method="by_page", help_text="A policy id.")
    status = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *CampaignStatus.choices])
    kind = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *CampaignKind.choices])
    q = django_filters.CharFilter(method="by_page", help_text="Part of its name or its policy's title.")

    class Meta:
        model = PolicyCampaign
        fields: list[str] = []

    def page_form(self):
        return CampaignFilterForm(self.data)

    def apply(self, queryset, data):
        wanted = self.page.filters()
        wanted.pop("sort")  # a cursor page has its own order
        return progress.campaign_list(self.request.user, **wanted)


class CampaignPage(CursorPage):
    ordering = "-pk"


class CampaignViewSet(ApiViewMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Policy campaigns (security officers and auditors), newest first."""

    serializer_class = PolicyCampaignSerializer
    filterset_class = CampaignFilter
    pagination_class = CampaignPage
    queryset = PolicyCampaign.objects.none()  # for the schema; each request reads get_queryset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not access.reads_campaigns(request.user):
            raise PermissionDenied(_("Only security officers and auditors see policy campaigns."))

    def get_queryset(self):
        return progress.campaign_list(self.request.user)

    def fetch(self, pk):
        return progress.get_campaign(self.request.user, pk)

    @extend_schema(request=PolicyCampaignLaunchSerializer, responses={201: PolicyCampaignSerializer})
    @idempotent
    def create(self, request):
        """Launch a campaign of a policy's version in force (security officers): its questions are the
        policy's template questions unless given."""
        if not access.may_launch_campaigns(request.user):
            raise PermissionDenied(_("Only security officers launch policy campaigns."))
        form = PolicyCampaignLaunchSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        with service_errors():
            campaign = services.campaign_launch(
                actor=request.user,
                policy=data["policy"],
                due_at=data.get("due_at"),
                questions=data.get("questions"),
            )
        return Response(
            PolicyCampaignSerializer(self.fetch(campaign.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=None, responses=PolicyCampaignSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        """Close an open campaign now (security officers): everyone pending is recorded as "no response" and
        the evidence frozen (a large campaign closes in the background: its status says "closing")."""
        campaign = self.get_object()
        if not access.may_close_campaigns(request.user):
            raise PermissionDenied(_("Only security officers close policy campaigns."))
        with service_errors():
            services.campaign_close(actor=request.user, campaign=campaign)
        return Response(PolicyCampaignSerializer(self.fetch(campaign.pk)).data)
