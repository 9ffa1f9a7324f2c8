"""A creating endpoint for the idempotency tests: teams made through a viewset whose create is
``@idempotent`` (the foundation has no creating endpoint of its own yet; the apps' creates use the same
decorator)."""

from django.urls import include, path
from rest_framework import routers, serializers, viewsets

from dpms.api.conventions import ApiViewMixin, idempotent
from dpms.models import Team


class TeamSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]


class TeamCreateViewSet(ApiViewMixin, viewsets.ModelViewSet):
    serializer_class = TeamSerializer
    queryset = Team.objects.all()

    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


router = routers.SimpleRouter()
router.register("teams", TeamCreateViewSet, basename="team")
urlpatterns = [path("api/test/", include(router.urls))]
