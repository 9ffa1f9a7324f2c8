"""Grant imports: upload a CSV (security officers any system, a system's owner their own), which is kept as
an ``ImportJob`` and checked in the background; poll the job (``url``) until it is ``checked`` (what it
would do, with the problems and warnings by row, as the page lists them) or ``check_failed``; the uploader
confirms (applied all-or-nothing in the background) or discards it. The history of applied imports is read
by security officers, auditors and the owners of the systems it touched."""

import django_filters
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from access.api import FormInput, HelperObject, PageFormFilter, described, form_input, one_of, refusals
from access.choices import ImportJobState
from access.forms.imports import ImportFilterForm, ImportUploadForm
from access.models import ImportBatch, ImportJob
from access.queries import imports as queries
from access.services import imports as services
from dpms.api.conventions import ApiViewMixin, ConditionalMixin, CursorPage, idempotent


class ImportJobSerializer(serializers.ModelSerializer):
    uploaded_by_email = serializers.EmailField(source="uploaded_by.email", read_only=True)
    # Text, not an enum: the "state" enums of several endpoints would collide in the schema's names.
    state = serializers.CharField(read_only=True, help_text=", ".join(ImportJobState.values))
    phase = serializers.CharField(read_only=True, help_text="What the running work is doing now.")
    percent = serializers.IntegerField(read_only=True, allow_null=True)
    running = serializers.BooleanField(read_only=True, help_text="Checking or importing: poll again.")
    url = serializers.SerializerMethodField(help_text="This job's address: poll it while it runs.")

    class Meta:
        model = ImportJob
        fields = [
            "id", "url", "filename", "sha256", "full", "size", "uploaded_by", "uploaded_by_email",
            "uploaded_at", "state", "running", "phase", "done", "total", "percent", "progress_at",
            "checked_at", "confirmed_at", "finished_at", "error", "batch",
        ]  # fmt: skip

    def get_url(self, job) -> str:
        path = reverse("api:access-import-detail", args=[job.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ImportJobDetailSerializer(ImportJobSerializer):
    result = serializers.JSONField(
        read_only=True,
        help_text="The check's summary as the page shows it: row_count, systems, problems and warnings "
        "(each {row, message, column}, the first 200, with *_count and *_not_listed), to_create, "
        "unchanged, to_clear, revoked_present, already_flagged, to_flag.",
    )
    may_act = serializers.SerializerMethodField(help_text="You uploaded it: you confirm or discard it.")

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "result", "may_act"]

    def get_may_act(self, job) -> bool:
        return queries.may_act_on_import_job(self.context["request"].user, job)


class UploadInput(FormInput):
    """The upload page's form (``ImportUploadForm``): in JSON the CSV's text (``content``; a JSON body is
    read into memory, so at most about 2.5 MB), or as multipart/form-data the file itself (``file``, up to
    the page's 5 MB)."""

    form_class = ImportUploadForm
    filename = serializers.CharField(required=False, help_text="The file's name, kept with the import.")
    content = serializers.CharField(
        help_text="The CSV (UTF-8, header row required); a larger file than about 2.5 MB goes as multipart."
    )
    full = serializers.BooleanField(
        required=False,
        help_text="A full export of its systems: their active grants absent from it are flagged (never "
        "revoked).",
    )

    def form_data(self):
        return {"full": self.initial_data.get("full", False)}

    def form_files(self):
        upload = self.context["request"].FILES.get("file")
        if upload is not None:
            return {"file": upload}
        content = self.initial_data.get("content")
        if not isinstance(content, str) or not content:
            return {}
        name = str(self.initial_data.get("filename") or "upload.csv")
        return {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv")}

    def validate(self, attrs):
        try:
            cleaned = dict(super().validate(attrs))
        except serializers.ValidationError as error:
            errors = dict(error.detail) if isinstance(error.detail, dict) else {}
            if "file" in errors and "file" not in self.context["request"].FILES:  # the text is the file
                errors["content"] = errors.pop("file")
            raise serializers.ValidationError(errors or error.detail) from None
        upload = cleaned.pop("file")
        return {**cleaned, "filename": upload.name, "content": upload.read()}


class UploadFileInput(serializers.Serializer):
    """The upload as multipart/form-data, as the page posts it."""

    file = serializers.FileField(help_text="The CSV file (UTF-8, header row required, at most 5 MB).")
    full = serializers.BooleanField(required=False, help_text="A full export of its systems.")


class ImportJobViewSet(
    ConditionalMixin,
    ApiViewMixin,
    HelperObject,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Uploaded files you may see (your own; security officers and auditors: all), newest first."""

    queryset = ImportJob.objects.none()  # for the schema; each request reads get_queryset
    lookup_value_converter = "int"
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]  # the upload: its text, or the file

    def get_queryset(self):
        return queries.import_jobs_for_user(self.request.user).select_related("uploaded_by").defer("result")

    def get_serializer_class(self):
        return ImportJobSerializer if self.action == "list" else ImportJobDetailSerializer

    def fetch_object(self, pk):
        job = queries.get_import_job_for(self.request.user, pk)
        if self.action in ("confirm", "discard"):
            queries.require_act_on_import_job(self.request.user, job)
        return job

    def _answer(self, job, *, status_code=status.HTTP_200_OK):
        job = queries.get_import_job_for(self.request.user, job.pk)
        answer = Response(self.get_serializer(job).data, status=status_code)
        answer["Location"] = answer.data["url"]
        return answer

    @extend_schema(
        request={"application/json": UploadInput, "multipart/form-data": UploadFileInput},
        responses={202: ImportJobDetailSerializer},
    )
    @idempotent
    def create(self, request):
        """Upload a CSV of grants (security officers; a system's owner for their systems). Nothing is
        imported yet: the answer (202) is the job being checked; poll its ``url``."""
        queries.require_upload(request.user)
        data = form_input(UploadInput, request)
        with refusals(("full", "filename")):
            job = services.import_job_create(actor=request.user, **_as_service(data))
        return self._answer(job, status_code=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportJobDetailSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Import a checked file (its uploader only): applied all-or-nothing in the background; poll the
        job until it is ``applied`` (with its ``batch``) or ``failed`` (the problems by row)."""
        job = self.get_object()
        with refusals():
            services.import_job_confirm(job=job, actor=request.user)
        return self._answer(job, status_code=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={204: OpenApiResponse(description="Discarded.")})
    @action(detail=True, methods=["post"])
    def discard(self, request, pk=None):
        """Drop an uploaded file that imported nothing and is not running (its uploader only)."""
        job = self.get_object()
        with refusals():
            services.import_job_discard(job=job, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _as_service(data: dict) -> dict:
    """The form's file field became ``content`` bytes; the service has the page's file (name, content)."""
    return {"filename": data["filename"], "content": data["content"], "full": data["full"]}


class ImportBatchSerializer(serializers.ModelSerializer):
    uploaded_by_email = serializers.EmailField(
        source="uploaded_by.email", read_only=True, allow_null=True, default=None
    )
    systems = serializers.SlugRelatedField(slug_field="name", many=True, read_only=True)

    class Meta:
        model = ImportBatch
        fields = [
            "id", "uploaded_by", "uploaded_by_email", "uploaded_at", "filename", "sha256", "full", "systems",
            "row_count", "created_count", "unchanged_count", "flagged_count", "revoked_present_count",
            "cleared_count",
        ]  # fmt: skip


class ImportBatchFilter(PageFormFilter):
    """The import history's filters (``ImportFilterForm``, ``filter_import_batches``)."""

    system = django_filters.NumberFilter(method=described, help_text="A system's id.")
    uploaded_by = django_filters.CharFilter(
        method=described, help_text="Part of the uploader's name or email."
    )
    full = one_of(["yes", "no"], "Full exports, or partial files.")

    class Meta:
        model = ImportBatch
        fields: list[str] = []

    def page_form(self, data):
        return ImportFilterForm(data, systems=queries.history_systems(self.request.user))

    def apply(self, batches, cleaned):
        cleaned = {key: value for key, value in cleaned.items() if key != "sort"}
        return queries.filter_import_batches(batches, **cleaned)


class ImportBatchPage(CursorPage):
    ordering = ("-uploaded_at", "-pk")


class ImportBatchViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Applied imports (security officers and auditors: all; a system's owner: those that touched one of
    their systems; anyone else: 403), newest first."""

    serializer_class = ImportBatchSerializer
    queryset = ImportBatch.objects.none()  # for the schema; each request reads get_queryset
    filterset_class = ImportBatchFilter
    pagination_class = ImportBatchPage
    lookup_value_converter = "int"

    def get_queryset(self):
        return queries.import_batches_for_user(self.request.user)
