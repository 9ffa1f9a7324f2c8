"""A person's own notifications: read them, mark them read."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dpms import queries, services
from dpms.api.conventions import ApiViewMixin
from dpms.models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    done_at = serializers.DateTimeField(
        read_only=True, help_text="When what it asked was settled (it was withdrawn, and marked read then)."
    )

    class Meta:
        model = Notification
        fields = ["id", "subject", "body", "link", "created_at", "read_at", "done_at"]


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        required=False,
        max_length=1000,
        help_text="The notifications to mark read; leave out to mark every unread one.",
    )


class NotificationViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    serializer_class = NotificationSerializer
    filterset_fields = {"read_at": ["isnull"]}
    queryset = Notification.objects.none()  # for the schema; each request reads get_queryset

    def get_queryset(self):
        return queries.notifications_for_user(self.request.user)

    @extend_schema(
        request=MarkReadSerializer,
        responses=inline_serializer("MarkedRead", {"marked_read": serializers.IntegerField()}),
    )
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        """Mark your notifications read: the ones listed, or every unread one."""
        form = MarkReadSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        marked = services.notifications_mark_read(user=request.user, ids=form.validated_data.get("ids"))
        return Response({"marked_read": marked})
