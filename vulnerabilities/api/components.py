"""Components through the API (/api/v1/components/): the inventories you may read (filter by system), one
component, and a component typed in (officers and the system's owner)."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, CursorPage, idempotent, service_errors
from dpms.api.fields import StrictCharField, StrictIntegerField
from dpms.api.pages import FetchedViewSet, choice
from vulnerabilities.choices import ComponentSource
from vulnerabilities.models import Component
from vulnerabilities.queries import components as queries
from vulnerabilities.services import components as services

ROW_ID_MAX = 2**63 - 1


class ComponentSerializer(serializers.ModelSerializer):
    """A third-party component a system runs."""

    system_name = serializers.CharField(source="system.name", read_only=True)
    source = choice(ComponentSource.choices, read_only=True)

    class Meta:
        model = Component
        fields = [
            "id", "system", "system_name", "name", "version", "ecosystem", "purl", "licence", "source",
            "created_at", "updated_at", "removed_at",
        ]  # fmt: skip
        read_only_fields = fields


class ComponentCreateSerializer(serializers.Serializer):
    system = StrictIntegerField(min_value=1, max_value=ROW_ID_MAX)
    name = StrictCharField(max_length=300)
    version = StrictCharField(max_length=100, required=False, allow_blank=True)
    ecosystem = StrictCharField(max_length=50, required=False, allow_blank=True)
    purl = StrictCharField(max_length=1000, required=False, allow_blank=True)
    licence = StrictCharField(max_length=300, required=False, allow_blank=True)


class ComponentFilter(django_filters.FilterSet):
    system = django_filters.NumberFilter(field_name="system_id", help_text="A system's id.")
    removed = django_filters.BooleanFilter(
        field_name="removed_at", lookup_expr="isnull", exclude=True, help_text="true: those no longer run."
    )

    class Meta:
        model = Component
        fields: list[str] = []


class ComponentPage(CursorPage):
    ordering = ("name", "pk")


class ComponentViewSet(ApiViewMixin, FetchedViewSet, mixins.ListModelMixin, mixins.RetrieveModelMixin):
    """Components of the systems whose inventory you may read (officers, auditors, the owner)."""

    serializer_class = ComponentSerializer
    filterset_class = ComponentFilter
    pagination_class = ComponentPage
    queryset = Component.objects.none()  # for the schema; each request reads get_queryset
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self):
        return queries.components_for_user(self.request.user)

    def fetch(self, pk):
        return queries.get_component_for_user(self.request.user, pk)

    @extend_schema(request=ComponentCreateSerializer, responses={201: ComponentSerializer})
    @idempotent
    def create(self, request):
        """Type in a component of a system (officers and the system's owner); the same package URL (or
        name and version) twice is a 400."""
        body = ComponentCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        system = queries.get_system_for_components(request.user, data.pop("system"), for_change=True)
        with service_errors(fields=set(ComponentCreateSerializer().fields)):
            created = services.component_add(actor=request.user, system=system, **data)
        return Response(ComponentSerializer(created).data, status=status.HTTP_201_CREATED)
