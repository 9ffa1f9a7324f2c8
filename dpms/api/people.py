"""People and teams, read by everyone signed in (the company directory the pages show in their pickers)."""

from rest_framework import serializers, viewsets

from dpms import queries
from dpms.api.conventions import ApiViewMixin
from dpms.models import Team, User


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name", "description"]


class PersonSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(source="role_labels", child=serializers.CharField(), read_only=True)

    class Meta:
        model = User
        fields = ["id", "email", "full_name", "job_title", "team", "manager", "is_active", "roles"]


class TeamViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = TeamSerializer
    queryset = queries.teams_directory()
    filterset_fields = {"name": ["exact", "icontains"]}


class PersonViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    serializer_class = PersonSerializer
    queryset = queries.people_directory()
    filterset_fields = {
        "email": ["exact"],
        "full_name": ["icontains"],
        "team": ["exact"],
        "manager": ["exact"],
        "is_active": ["exact"],
    }
