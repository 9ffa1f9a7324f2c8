"""Acknowledgements through the API (/api/v1/policy-acknowledgements/): who acknowledged which policy
version and when, for security officers and auditors, filtered by version, policy or person."""

import django_filters
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from rest_framework import mixins, serializers

from dpms.api.conventions import ApiViewMixin, CursorPage
from dpms.api.pages import FetchedViewSet, IdFilter
from policies.models import Acknowledgement
from policies.queries import acknowledgements as queries


class PolicyAcknowledgementSerializer(serializers.ModelSerializer):
    person_email = serializers.EmailField(source="person.email", read_only=True)
    person_name = serializers.CharField(source="person.full_name", read_only=True)
    team = serializers.CharField(source="person.team.name", read_only=True, allow_null=True, default=None)
    policy = serializers.IntegerField(source="version.policy_id", read_only=True)
    policy_title = serializers.CharField(source="version.policy.title", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    campaign = serializers.IntegerField(
        source="assignment.campaign_id", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Acknowledgement
        fields = [
            "id", "person", "person_email", "person_name", "team", "policy", "policy_title", "version",
            "version_number", "acknowledged_at", "campaign",
        ]  # fmt: skip
        read_only_fields = fields


class AcknowledgementFilter(django_filters.FilterSet):
    version = IdFilter(field_name="version_id", help_text="A policy version's id.")
    policy = IdFilter(field_name="version__policy_id", help_text="A policy's id (any of its versions).")
    person = IdFilter(field_name="person_id", help_text="A person's id.")

    class Meta:
        model = Acknowledgement
        fields: list[str] = []


class AcknowledgementPage(CursorPage):
    ordering = "-pk"


class AcknowledgementViewSet(ApiViewMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Acknowledgements of policy versions (security officers and auditors), latest first. An
    acknowledgement is of one version: one of version 1 says nothing of version 2."""

    serializer_class = PolicyAcknowledgementSerializer
    filterset_class = AcknowledgementFilter
    pagination_class = AcknowledgementPage
    queryset = Acknowledgement.objects.none()  # for the schema; each request reads get_queryset

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not queries.may_read_acknowledgements(request.user):
            raise PermissionDenied(_("Only security officers and auditors see who acknowledged a policy."))

    def get_queryset(self):
        return queries.acknowledgements_for(self.request.user)

    def fetch(self, pk):
        return queries.get_acknowledgement(self.request.user, pk)
