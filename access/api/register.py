"""The access register: systems and roles (the catalogue, read by everyone signed in), grants (read as the
grants list shows them, given on a system and revoked by security officers and the system's owner)."""

import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import (
    FormInput,
    HelperObject,
    PageFormFilter,
    checked_id,
    described,
    form_input,
    one_of,
    refusals,
)
from access.choices import DataClassification, Environment
from access.forms.register import GrantCreateForm, GrantFilterForm, GrantRevokeForm, SystemFilterForm
from access.models import Grant, Role, System
from access.queries import register as queries
from access.services.grants import grant_create, grant_revoke
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, idempotent
from dpms.forms import row_id

# --- Systems and roles ------------------------------------------------------------------------------------


class RoleSerializer(serializers.ModelSerializer):
    system_name = serializers.CharField(source="system.name", read_only=True)
    holder_count = serializers.IntegerField(read_only=True, help_text="Active grants of the role.")

    class Meta:
        model = Role
        fields = ["id", "system", "system_name", "name", "description", "privileged", "holder_count"]


class SystemRoleSerializer(serializers.ModelSerializer):
    holder_count = serializers.IntegerField(read_only=True, help_text="Active grants of the role.")

    class Meta:
        model = Role
        fields = ["id", "name", "description", "privileged", "holder_count"]


class SystemSerializer(serializers.ModelSerializer):
    owner_email = serializers.EmailField(source="owner.email", read_only=True, allow_null=True)
    role_count = serializers.IntegerField(read_only=True)
    holder_count = serializers.IntegerField(read_only=True, help_text="People with an active grant.")
    privileged_count = serializers.IntegerField(read_only=True, help_text="Active privileged grants.")
    open_finding_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = System
        fields = [
            "id", "name", "description", "owner", "owner_email", "environment", "data_classification",
            "max_privileged", "expiry_action", "is_portal", "created_at", "role_count", "holder_count",
            "privileged_count", "open_finding_count",
        ]  # fmt: skip


class SystemDetailSerializer(SystemSerializer):
    roles = serializers.SerializerMethodField(help_text="The system's roles, privileged first.")

    class Meta(SystemSerializer.Meta):
        fields = [*SystemSerializer.Meta.fields, "roles"]

    @extend_schema_field(SystemRoleSerializer(many=True))
    def get_roles(self, system) -> list:
        return SystemRoleSerializer(queries.system_roles(system), many=True).data


# --- Grants -----------------------------------------------------------------------------------------------


class GrantSerializer(serializers.ModelSerializer):
    person_email = serializers.EmailField(source="user.email", read_only=True)
    person_name = serializers.CharField(source="user.full_name", read_only=True)
    team = serializers.CharField(source="user.team.name", read_only=True, allow_null=True, default=None)
    system = serializers.IntegerField(source="role.system_id", read_only=True)
    system_name = serializers.CharField(source="role.system.name", read_only=True)
    environment = serializers.CharField(source="role.system.environment", read_only=True)
    role_name = serializers.CharField(source="role.name", read_only=True)
    privileged = serializers.BooleanField(source="role.privileged", read_only=True)
    granted_by_email = serializers.EmailField(
        source="granted_by.email", read_only=True, allow_null=True, default=None
    )
    revoked_by_email = serializers.EmailField(
        source="revoked_by.email", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Grant
        fields = [
            "id", "user", "person_email", "person_name", "team", "system", "system_name", "environment",
            "role", "role_name", "privileged", "granted_at", "granted_by", "granted_by_email",
            "justification", "expires_at", "source", "revoked_at", "revoked_by", "revoked_by_email",
            "revoke_reason",
        ]  # fmt: skip


class GrantCreateInput(FormInput):
    """The system's "Grant access" form (``GrantCreateForm``)."""

    form_class = GrantCreateForm
    person = serializers.CharField(help_text="The person's email.")
    role = serializers.IntegerField(help_text="A role of this system (its id).")
    justification = serializers.CharField(help_text="Why the person needs the role.")
    expires_at = serializers.DateField(
        required=False, allow_null=True, help_text="Temporary access ends at the end of this day."
    )


class GrantRevokeInput(FormInput):
    form_class = GrantRevokeForm
    reason = serializers.CharField(help_text="Why the access is revoked.")


class SystemFilter(PageFormFilter):
    """The systems page's filters (``SystemFilterForm``, ``filter_systems``)."""

    q = django_filters.CharFilter(method=described, help_text="Part of the name or description.")
    environment = one_of(Environment.values)
    classification = one_of(DataClassification.values)
    owner = django_filters.NumberFilter(method=described, help_text="The owner's id.")
    findings = django_filters.BooleanFilter(method=described, help_text="Only systems with open findings.")

    class Meta:
        model = System
        fields: list[str] = []

    def page_form(self, data):
        return SystemFilterForm(data)

    def apply(self, systems, cleaned):
        return queries.filter_systems(systems, **cleaned)


class SystemViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The systems catalogue with its counts; a system's detail lists its roles. Everyone signed in reads
    it (who holds a role is in the grants, by their rules)."""

    queryset = System.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = SystemFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.systems_with_counts()

    def get_serializer_class(self):
        return SystemDetailSerializer if self.action == "retrieve" else SystemSerializer

    def get_object(self):
        checked_id(self.kwargs["pk"])
        return super().get_object()

    @extend_schema(request=GrantCreateInput, responses={201: GrantSerializer})
    @action(detail=True, methods=["post"])
    @idempotent
    def grant(self, request, pk=None):
        """Give a person a role of this system (security officers and the system's owner; 403 for anyone
        else), as the system's "Grant access" page does."""
        system = queries.get_system_for_manager(request.user, checked_id(pk))
        data = form_input(GrantCreateInput, request, system=system)
        with refusals(GrantCreateInput._declared_fields):
            grant = grant_create(
                actor=request.user,
                user=data["person"],
                role=data["role"],
                justification=data["justification"],
                expires_at=data["expires_at"],
            )
        grant = queries.grants_for_list(request.user).get(pk=grant.pk)
        return Response(GrantSerializer(grant).data, status=status.HTTP_201_CREATED)


class RoleFilter(django_filters.FilterSet):
    class Meta:
        model = Role
        fields = {"system": ["exact"], "privileged": ["exact"], "name": ["icontains"]}


class RoleViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Every system's roles with their active holders counted (the catalogue, open to everyone)."""

    serializer_class = RoleSerializer
    queryset = Role.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = RoleFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.roles_catalogue()

    def get_object(self):
        checked_id(self.kwargs["pk"])
        return super().get_object()


class GrantFilter(PageFormFilter):
    """The grants list's filters (``GrantFilterForm``, ``filter_grants``)."""

    person = django_filters.CharFilter(method=described, help_text="Part of the person's name or email.")
    user = django_filters.CharFilter(
        method=described,
        help_text="A person's id: the grants their access page shows you (404 when you may not open it).",
    )
    system = django_filters.CharFilter(method=described, help_text="A system's id or name.")
    role = django_filters.NumberFilter(method=described, help_text="A role's id.")
    privileged = one_of(["yes", "no"])
    environment = one_of(Environment.values)
    team = django_filters.NumberFilter(method=described, help_text="A team's id.")
    expiring = django_filters.BooleanFilter(method=described, help_text="Ending within 30 days.")
    # Not an enum: "status" enums of several lists would collide in the schema's component names.
    status = django_filters.CharFilter(method=described, help_text="active (the default), revoked or all.")

    class Meta:
        model = Grant
        fields: list[str] = []

    def page_form(self, data):
        return GrantFilterForm(data)

    def apply(self, grants, cleaned):
        cleaned = {key: value for key, value in cleaned.items() if key != "sort"}
        grants = queries.filter_grants(grants, **cleaned)
        wanted = self.form.cleaned_data.get("user")
        if wanted:
            pk = row_id(wanted)
            if pk is None:
                raise exceptions.ValidationError({"user": ["Send a person's id."]})
            # A person's access page: a 404 for someone whose page the caller may not open.
            person, _whole = queries.get_person_for_user(self.request.user, pk)
            grants = grants.filter(user=person)
        return grants


class GrantViewSet(
    ConditionalMixin,
    ApiViewMixin,
    HelperObject,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Grants as the grants list shows them: yours, your reports', your systems', or (security officers and
    auditors) all; newest first."""

    serializer_class = GrantSerializer
    queryset = Grant.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = GrantFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.grants_for_list(self.request.user)

    def fetch_object(self, pk):
        if self.action == "revoke":
            return queries.get_grant_for_manager(self.request.user, pk)
        return get_object_or_404(self.get_queryset(), pk=pk)

    @extend_schema(request=GrantRevokeInput, responses=GrantSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the grant with a reason (security officers and the system's owner; 403 for others who see
        it). A grant revoked already is answered as it is."""
        grant = self.get_object()
        if grant.revoked_at is None:
            data = form_input(GrantRevokeInput, request)
            with refusals(GrantRevokeInput._declared_fields):
                grant_revoke(actor=request.user, grant=grant, reason=data["reason"])
        grant = self.get_queryset().get(pk=grant.pk)
        return Response(GrantSerializer(grant).data)
