"""Policies through the API (/api/v1/policies/): the library's list (the policies you may read, filtered by
the library page's form, each with its version in force and whether you acknowledged it) and one policy with
all its versions. Read only: policies are written on their pages."""

import django_filters
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, serializers

from dpms.api.conventions import ApiViewMixin, CursorPage
from dpms.api.pages import ANY, YES_NO, FetchedViewSet, PageFilterSet, choice
from policies.choices import Audience
from policies.forms.documents import LibraryFilterForm
from policies.models import Policy, PolicyVersion
from policies.queries import documents as queries


class PolicyVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = PolicyVersion
        fields = ["id", "number", "effective_date", "published_at", "change_summary", "body_sha256", "body"]
        read_only_fields = fields


class PolicyDocumentSerializer(serializers.ModelSerializer):
    """A policy with its version in force (none before the first takes effect) and your acknowledgement."""

    audience = choice(Audience.choices, read_only=True)
    owner_email = serializers.EmailField(source="owner.email", read_only=True)
    version_in_force = serializers.IntegerField(
        source="current_number", read_only=True, allow_null=True, help_text="Its number."
    )
    you_acknowledged = serializers.BooleanField(
        source="acknowledged", read_only=True, help_text="You acknowledged the version in force."
    )

    class Meta:
        model = Policy
        fields = [
            "id", "title", "summary", "owner", "owner_email", "audience", "archived", "version_in_force",
            "you_acknowledged",
        ]  # fmt: skip
        read_only_fields = fields


class PolicyDocumentDetailSerializer(PolicyDocumentSerializer):
    versions = serializers.SerializerMethodField()

    class Meta(PolicyDocumentSerializer.Meta):
        fields = [*PolicyDocumentSerializer.Meta.fields, "versions"]
        read_only_fields = fields

    @extend_schema_field(PolicyVersionSerializer(many=True))
    def get_versions(self, policy) -> list:
        return PolicyVersionSerializer(policy.versions.all(), many=True).data


class PolicyFilter(PageFilterSet):
    """The library's filters, validated by its form (``LibraryFilterForm``)."""

    q = django_filters.CharFilter(method="by_page", help_text="Part of the title or summary.")
    audience = django_filters.ChoiceFilter(method="by_page", choices=[ANY, *Audience.choices])
    mine = django_filters.ChoiceFilter(
        method="by_page", choices=YES_NO, help_text="true: those that apply to you."
    )
    archived = django_filters.ChoiceFilter(
        method="by_page", choices=YES_NO, help_text="true: archived ones too."
    )

    class Meta:
        model = Policy
        fields: list[str] = []

    def page_form(self):
        return LibraryFilterForm(self.data)

    def apply(self, queryset, data):
        return queries.library(self.request.user, today=timezone.localdate(), **data)


class PolicyPage(CursorPage):
    ordering = "-pk"


class PolicyViewSet(ApiViewMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """The policies you may read: everyone those that apply to them (and those they were asked to acknowledge
    or own); security officers and auditors every one."""

    serializer_class = PolicyDocumentDetailSerializer
    filterset_class = PolicyFilter
    pagination_class = PolicyPage
    queryset = Policy.objects.none()  # for the schema; each request reads get_queryset

    def get_serializer_class(self):
        return PolicyDocumentSerializer if self.action == "list" else PolicyDocumentDetailSerializer

    def get_queryset(self):
        return queries.library(self.request.user, today=timezone.localdate())

    def fetch(self, pk):
        rows = queries.library(self.request.user, today=timezone.localdate(), archived=True)
        found = rows.filter(pk=pk).prefetch_related("versions").first()
        if found is None:
            raise Http404(_("No such policy."))
        return found
