"""Revocation tasks: what a revoke decision asks a system's owner to do. The list shows the tasks that are
yours (assigned, on your systems, escalated to you; security officers and auditors: all), filtered like
the page; completing one records what was done and revokes the grant
(``access.services.revocations.revocation_task_done``)."""

import django_filters
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import FormInput, HelperObject, PageFormFilter, described, form_input, refusals
from access.choices import TaskStatus
from access.forms.revocations import RevocationDoneForm, RevocationFilterForm
from access.models import RevocationTask
from access.queries import revocations as queries
from access.services.revocations import revocation_task_done
from dpms.api.conventions import ApiViewMixin, ConditionalMixin


class RevocationTaskSerializer(serializers.ModelSerializer):
    system_name = serializers.CharField(source="system.name", read_only=True)
    holder_email = serializers.EmailField(source="grant.user.email", read_only=True)
    role_name = serializers.CharField(source="grant.role.name", read_only=True)
    # Text, not an enum: the "status" enums of several endpoints would collide in the schema's names.
    status = serializers.CharField(read_only=True, help_text=", ".join(TaskStatus.values))

    class Meta:
        model = RevocationTask
        fields = [
            "id", "system", "system_name", "grant", "holder_email", "role_name", "review_item", "assignee",
            "reason", "status", "created_at", "due_at", "done_at", "done_by", "done_note",
            "escalation_level", "escalated_to", "leaver",
        ]  # fmt: skip


class RevocationTaskDetailSerializer(RevocationTaskSerializer):
    can_complete = serializers.SerializerMethodField(help_text="It is open and yours to complete.")

    class Meta(RevocationTaskSerializer.Meta):
        fields = [*RevocationTaskSerializer.Meta.fields, "can_complete"]

    def get_can_complete(self, task) -> bool:
        return task.status == TaskStatus.OPEN and queries.may_complete(self.context["request"].user, task)


class DoneInput(FormInput):
    form_class = RevocationDoneForm
    note = serializers.CharField(help_text="What was done, e.g. where and when the access was removed.")


class RevocationFilter(PageFormFilter):
    """The revocation tasks page's filters (``RevocationFilterForm``, ``filter_tasks``)."""

    q = django_filters.CharFilter(
        method=described, help_text="Part of the holder's name or email, or reason."
    )
    status = django_filters.CharFilter(method=described, help_text=", ".join(TaskStatus.values))
    system = django_filters.NumberFilter(method=described, help_text="A system's id.")
    overdue = django_filters.BooleanFilter(method=described, help_text="Open and past due only.")
    leaver = django_filters.BooleanFilter(method=described, help_text="Opened because the holder left only.")

    class Meta:
        model = RevocationTask
        fields: list[str] = []

    def page_form(self, data):
        return RevocationFilterForm(data)

    def apply(self, tasks, cleaned):
        return queries.filter_tasks(tasks, now=timezone.now(), **cleaned)


class RevocationTaskViewSet(
    ConditionalMixin,
    ApiViewMixin,
    HelperObject,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Revocation tasks that are yours, newest first."""

    queryset = RevocationTask.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = RevocationFilter
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.tasks_for_list(self.request.user)

    def get_serializer_class(self):
        return RevocationTaskSerializer if self.action == "list" else RevocationTaskDetailSerializer

    def fetch_object(self, pk):
        return queries.get_task_for_user(self.request.user, pk, for_change=self.action == "complete")

    @extend_schema(request=DoneInput, responses=RevocationTaskDetailSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        """Record the task as done with a note: the grant is revoked if still active (and a downgrade's
        new role given). Its assignee, the system's owner, the person it was escalated to, or a security
        officer."""
        task = self.get_object()
        data = form_input(DoneInput, request)
        with refusals(DoneInput._declared_fields):
            revocation_task_done(task=task, actor=request.user, note=data["note"], now=timezone.now())
        task = queries.get_task_for_user(request.user, task.pk, for_change=False)
        return Response(self.get_serializer(task).data)
