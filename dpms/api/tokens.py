"""Personal access tokens, read and revoked through the API (created only on the API tokens page, where the
text is shown once): your own; a security officer's: everyone's."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms import queries, services
from dpms.api.conventions import ApiViewMixin, ConditionalMixin
from dpms.models import ApiToken


class ApiTokenSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="user.email", read_only=True)

    class Meta:
        model = ApiToken
        fields = [
            "id", "name", "owner", "prefix", "read_only", "allowed_networks", "created_at", "expires_at",
            "revoked_at", "last_used_at", "last_used_ip",
        ]  # fmt: skip


class ApiTokenViewSet(
    ConditionalMixin, ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = ApiTokenSerializer
    queryset = ApiToken.objects.none()  # for the schema; each request reads get_queryset
    filterset_fields = {"read_only": ["exact"], "revoked_at": ["isnull"]}

    def get_queryset(self):
        return queries.api_tokens_for_user(self.request.user)

    @extend_schema(request=None, responses=ApiTokenSerializer)
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        """Revoke the token at once (yours, or as a security officer anyone's). Revoking twice is no error."""
        token = services.api_token_revoke(actor=request.user, token=self.get_object())
        return Response(ApiTokenSerializer(token).data)
