"""People and teams: read by everyone signed in (the company directory the pages show in their pickers);
invited, changed, given roles, deactivated and reactivated by admins, through the same services as the
administration."""

from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms import queries, services
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, idempotent, service_errors
from dpms.api.fields import RowField, StrictCharField
from dpms.models import PortalRole, Team, User


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "description"]


class PersonSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(source="role_labels", child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title", "team", "manager", "is_active", "roles"]


class TeamInput(serializers.Serializer):
    name = StrictCharField(max_length=120)
    description = StrictCharField(required=False, allow_blank=True, max_length=2000)


class TeamChange(TeamInput):
    name = StrictCharField(max_length=120, required=False)


class PersonInvite(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    full_name = StrictCharField(max_length=200)
    job_title = StrictCharField(max_length=120, required=False, allow_blank=True, default="")
    manager = RowField(queryset=User.objects.all(), allow_null=True, required=False, default=None)
    team = RowField(queryset=Team.objects.all(), allow_null=True, required=False, default=None)
    roles = serializers.ListField(
        child=serializers.ChoiceField(choices=PortalRole.choices), required=False, default=list, max_length=10
    )

    def validate_email(self, value: str) -> str:
        value = value.strip().lower()
        if User.objects.filter(email__iexact=value).exists():
            raise serializers.ValidationError("Someone has this email address already.")
        return value


class PersonChange(serializers.Serializer):
    email = serializers.EmailField(max_length=254, required=False)
    full_name = StrictCharField(max_length=200, required=False)
    job_title = StrictCharField(max_length=120, required=False, allow_blank=True)
    time_zone = StrictCharField(max_length=64, required=False, allow_blank=True)
    manager = RowField(queryset=User.objects.all(), allow_null=True, required=False)
    team = RowField(queryset=Team.objects.all(), allow_null=True, required=False)

    def validate_email(self, value: str) -> str:
        value = value.strip().lower()
        others = User.objects.filter(email__iexact=value).exclude(pk=self.context["person"].pk)
        if others.exists():
            raise serializers.ValidationError("Someone else has this email address.")
        return value


class RolesInput(serializers.Serializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=PortalRole.choices), max_length=10)


def _require_admin(request) -> None:
    if not queries.may_manage_people(request.user):
        raise exceptions.PermissionDenied("People and teams are managed by admins.")


class TeamViewSet(
    ConditionalMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = TeamSerializer
    queryset = queries.teams_directory()
    filterset_fields = {"name": ["exact", "icontains"]}

    @extend_schema(request=TeamInput, responses={201: TeamSerializer})
    @idempotent
    def create(self, request):
        """A new team (admins)."""
        _require_admin(request)
        data = TeamInput(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(fields=("name", "description")):
            team = services.team_create(actor=request.user, **data.validated_data)
        return Response(TeamSerializer(team).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=TeamChange, responses=TeamSerializer)
    def partial_update(self, request, pk=None):
        """Rename a team or change its description (admins)."""
        _require_admin(request)
        team = self.get_object()
        data = TeamChange(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(fields=("name", "description")):
            team = services.team_update(actor=request.user, team=team, **data.validated_data)
        return Response(TeamSerializer(team).data)


class PersonViewSet(
    ConditionalMixin,
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PersonSerializer
    queryset = queries.people_directory()
    filterset_fields = {
        "email": ["exact"],
        "full_name": ["icontains"],
        "team": ["exact"],
        "manager": ["exact"],
        "is_active": ["exact"],
    }

    def _answer(self, person, code=status.HTTP_200_OK):
        return Response(PersonSerializer(queries.people_directory().get(pk=person.pk)).data, status=code)

    @extend_schema(request=PersonInvite, responses={201: PersonSerializer})
    @idempotent
    def create(self, request):
        """Invite a person (admins): an account without a password, and an email with a link to set one."""
        _require_admin(request)
        data = PersonInvite(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(fields=tuple(PersonInvite().fields)):
            person = services.user_invite(actor=request.user, **data.validated_data)
        return self._answer(person, status.HTTP_201_CREATED)

    @extend_schema(request=PersonChange, responses=PersonSerializer)
    def partial_update(self, request, pk=None):
        """Change a person's details (admins); a new manager or team starts what a move starts (a review of
        their access)."""
        _require_admin(request)
        person = self.get_object()
        data = PersonChange(data=request.data, context={"person": person})
        data.is_valid(raise_exception=True)
        with service_errors(fields=tuple(PersonChange().fields)):
            services.user_update(actor=request.user, user=person, **data.validated_data)
        return self._answer(person)

    @extend_schema(request=RolesInput, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def roles(self, request, pk=None):
        """Set a person's portal roles (admins; you cannot take your own admin role away)."""
        _require_admin(request)
        person = self.get_object()
        data = RolesInput(data=request.data)
        data.is_valid(raise_exception=True)
        with service_errors(fields=("roles",)):
            services.user_set_roles(actor=request.user, user=person, roles=data.validated_data["roles"])
        return self._answer(person)

    @extend_schema(request=None, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        """Deactivate a person at once (admins): their sessions and API tokens stop working."""
        _require_admin(request)
        person = self.get_object()
        with service_errors():
            services.user_deactivate(actor=request.user, user=person)
        return self._answer(person)

    @extend_schema(request=None, responses=PersonSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request, pk=None):
        """Let a deactivated person sign in again (admins)."""
        _require_admin(request)
        person = self.get_object()
        with service_errors():
            services.user_reactivate(actor=request.user, user=person)
        return self._answer(person)
