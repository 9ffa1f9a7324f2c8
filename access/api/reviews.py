"""Access reviews: my queue (the items I review in open campaigns, filtered like "My reviews"), one item,
deciding on it (``access.services.reviews.item_decide``: its reviewer, or a security officer as an override),
keeping several in bulk (``items_bulk_keep``) and accepting their recommendations
(``items_accept_recommendations``), with the page's forms and access helper."""

import django_filters
from django.core.exceptions import PermissionDenied
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import FormInput, HelperObject, PageFormFilter, described, form_input, one_of, refusals
from access.choices import Decision
from access.forms.reviews import (
    AcceptRecommendationsForm,
    BulkKeepForm,
    ItemDecisionForm,
    QueueFilterForm,
    ReassignForm,
)
from access.models import ReviewItem
from access.queries import reviews as queries
from access.services import reviews as services
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage


class ReviewItemSerializer(serializers.ModelSerializer):
    campaign_name = serializers.CharField(source="campaign.name", read_only=True)
    due_at = serializers.DateTimeField(source="campaign.due_at", read_only=True)
    holder_email = serializers.EmailField(source="holder.email", read_only=True)
    # Text, not an enum: the "decision" enums of several endpoints would collide in the schema's names.
    decision = serializers.CharField(read_only=True, help_text=", ".join(Decision.values))
    decided_by_email = serializers.EmailField(
        source="decided_by.email", read_only=True, allow_null=True, default=None
    )
    same_team_holders = serializers.IntegerField(
        read_only=True,
        required=False,
        help_text="People of the holder's team with the same role (the queue).",
    )

    class Meta:
        model = ReviewItem
        fields = [
            "id", "campaign", "campaign_name", "due_at", "grant", "holder", "holder_email", "holder_label",
            "system", "system_name", "role", "role_name", "privileged", "environment", "granted_at",
            "granted_by_label", "grant_justification", "holder_deactivated", "reviewer", "routing_note",
            "escalation_level", "escalated_to", "recommendation", "recommendation_reason", "decision",
            "justification", "downgrade_to", "keep_until", "decided_by", "decided_by_email", "decided_at",
            "override", "bulk", "same_team_holders",
        ]  # fmt: skip


class ReviewItemDetailSerializer(ReviewItemSerializer):
    """One item with what the caller may do with it (the item page's buttons)."""

    may_decide = serializers.SerializerMethodField(help_text="The campaign is open and the item is yours.")
    is_override = serializers.SerializerMethodField(
        help_text="Deciding would be a security officer's override (you are not its reviewer)."
    )

    class Meta(ReviewItemSerializer.Meta):
        fields = [*ReviewItemSerializer.Meta.fields, "may_decide", "is_override"]

    def get_may_decide(self, item) -> bool:
        return item.campaign.is_open and queries.may_change_item(self.context["request"].user, item)

    def get_is_override(self, item) -> bool:
        return not queries.is_assigned(self.context["request"].user, item)


class DecisionForm(ItemDecisionForm):
    """The queue's decision form without the per-item prefix a page of many forms needs."""

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, item=item, prefix=None, **kwargs)


class DecideInput(FormInput):
    """One item's decision (``ItemDecisionForm``; the rules are ``item_decide``'s)."""

    form_class = DecisionForm
    decision = serializers.ChoiceField(
        choices=[Decision.KEEP, Decision.REVOKE, Decision.DOWNGRADE, Decision.EXCEPTION],
        help_text="keep, revoke, downgrade (to downgrade_to) or exception (keep until keep_until).",
    )
    justification = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="Required for revoke, downgrade, exception, and for keeping privileged access.",
    )
    downgrade_to = serializers.IntegerField(
        required=False, allow_null=True, help_text="Another role of the item's system (its id)."
    )
    keep_until = serializers.DateField(required=False, allow_null=True, help_text="At most a year ahead.")


class BulkKeepInput(FormInput):
    form_class = BulkKeepForm
    items = serializers.ListField(child=serializers.IntegerField(), help_text="Pending items of your queue.")
    justification = serializers.CharField(help_text="One justification for all of them.")


class AcceptRecommendationsInput(FormInput):
    """Accepting the recommendations of several items (``AcceptRecommendationsForm``; the rules are
    ``items_accept_recommendations``')."""

    form_class = AcceptRecommendationsForm
    items = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Pending items of your queue; those without a recommendation that decides are left alone.",
    )
    justification = serializers.CharField(help_text="One justification, recorded on each item decided.")


class ReassignInput(FormInput):
    """A security officer's reassignment (``ReassignForm``)."""

    form_class = ReassignForm
    new_reviewer = serializers.CharField(help_text="The new reviewer's email (or id).")
    reason = serializers.CharField(help_text="Why; both reviewers are told.")


class BulkKeepResultSerializer(serializers.Serializer):
    kept = serializers.ListField(child=serializers.IntegerField(), help_text="The items kept.")


class AcceptedSerializer(serializers.Serializer):
    revoked = serializers.ListField(child=serializers.IntegerField(), help_text="The items revoked.")
    kept = serializers.ListField(child=serializers.IntegerField(), help_text="The items kept.")
    left = serializers.ListField(
        child=serializers.IntegerField(), help_text="The items left pending (no recommendation that decides)."
    )


class QueueFilter(PageFormFilter):
    """The queue's filters ("My reviews", ``QueueFilterForm``)."""

    campaign = django_filters.NumberFilter(method=described, help_text="An open campaign of yours (id).")
    system = django_filters.CharFilter(method=described, help_text="Part of the system's name.")
    privileged = one_of(["yes", "no"])
    state = one_of(["pending", "decided"])
    recommendation = one_of(["revoke", "keep", "none"])

    class Meta:
        model = ReviewItem
        fields: list[str] = []

    def page_form(self, data):
        return QueueFilterForm(data, user=self.request.user)

    def apply(self, items, cleaned):
        filters = {key: value for key, value in cleaned.items() if key != "sort"}
        return queries.queue_for_user(self.request.user, **filters)


class QueuePage(CursorPage):
    ordering = "pk"


class ReviewItemViewSet(
    ConditionalMixin,
    ApiViewMixin,
    HelperObject,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """My review queue (items I review in open campaigns, in the order they were written); an item's detail
    for anyone who may read it (its reviewers; security officers and auditors: every item)."""

    queryset = ReviewItem.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = QueueFilter
    pagination_class = QueuePage
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.queue_for_user(self.request.user)

    def get_serializer_class(self):
        return ReviewItemSerializer if self.action == "list" else ReviewItemDetailSerializer

    def fetch_object(self, pk):
        item = queries.get_item_for_user(
            self.request.user, pk, for_change=self.action in ("decide", "reassign")
        )
        if self.action == "reassign" and not queries.may_reassign(self.request.user, item):
            raise PermissionDenied("Only a security officer reassigns review items.")
        return item

    def _answer(self, item):
        item = queries.get_item_for_user(self.request.user, item.pk, for_change=False)
        return Response(ReviewItemDetailSerializer(item, context=self.get_serializer_context()).data)

    @extend_schema(request=DecideInput, responses=ReviewItemDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Record or change the decision while the campaign is open: the item's reviewer, or a security
        officer (an override, and the reviewer is told). Submitting the same decision again records nothing
        new."""
        item = self.get_object()
        data = form_input(DecideInput, request, item=item)
        with refusals(DecideInput._declared_fields):
            item = services.item_decide(item=item, actor=request.user, **data)
        return self._answer(item)

    @extend_schema(request=ReassignInput, responses=ReviewItemDetailSerializer)
    @action(detail=True, methods=["post"])
    def reassign(self, request, pk=None):
        """Give the item to another reviewer (security officers; recorded as an override, both reviewers
        told) while the campaign is open."""
        item = self.get_object()
        data = form_input(ReassignInput, request)
        with refusals(ReassignInput._declared_fields):
            item = services.item_reassign(item=item, actor=request.user, **data)
        return self._answer(item)

    @extend_schema(request=BulkKeepInput, responses=BulkKeepResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-keep")
    def bulk_keep(self, request):
        """Keep several pending, non-privileged items of your own queue with one justification; all or
        nothing."""
        data = form_input(BulkKeepInput, request, visible_items=queries.items_visible_to(request.user))
        with refusals(BulkKeepInput._declared_fields):
            kept = services.items_bulk_keep(
                items=data["items"], actor=request.user, justification=data["justification"]
            )
        return Response({"kept": [item.pk for item in kept]})

    @extend_schema(request=AcceptRecommendationsInput, responses=AcceptedSerializer)
    @action(detail=False, methods=["post"], url_path="accept-recommendations")
    def accept_recommendations(self, request):
        """Decide what each item's recommendation says (revoke or keep) on pending items of your own queue,
        privileged ones included, with one justification recorded on each; items without a recommendation
        that decides are left pending. All or nothing: another reviewer's item, a decided item or a closed
        campaign refuses the batch."""
        data = form_input(
            AcceptRecommendationsInput, request, visible_items=queries.items_visible_to(request.user)
        )
        with refusals(AcceptRecommendationsInput._declared_fields):
            result = services.items_accept_recommendations(
                items=data["items"], actor=request.user, justification=data["justification"]
            )
        return Response(
            {
                "revoked": [item.pk for item in result.decided if item.decision == Decision.REVOKE],
                "kept": [item.pk for item in result.decided if item.decision == Decision.KEEP],
                "left": [item.pk for item in result.left],
            }
        )
