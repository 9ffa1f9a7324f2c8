"""Scanner imports over the API, for CI pipelines: upload a report (security officers any system, and a file
naming its system needs none; a system's owner their own systems); it is stored and checked and applied in
the background, all or nothing; poll the import (``url``) until it is ``applied`` (what it did) or
``failed`` (every problem by its place in the file). The upload is checked by the page's own form."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, parsers, serializers, status, viewsets
from rest_framework.response import Response

from dpms.api.conventions import ApiViewMixin, CursorPage, form_errors, service_errors
from vulnerabilities.choices import ScanFormat, ScanImportState
from vulnerabilities.forms.imports import ScanUploadForm
from vulnerabilities.models import ScanImport
from vulnerabilities.queries import imports as queries
from vulnerabilities.queries.register import may_manage_vulnerabilities
from vulnerabilities.services import imports as services

FORMATS = ", ".join(ScanFormat.values)


class ScanImportSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="This import's address: poll it while it runs.")
    system_name = serializers.CharField(source="system.name", read_only=True, allow_null=True, default=None)
    # Text, not enums: the "state" and "format" enums of several endpoints would collide in the schema.
    state = serializers.CharField(read_only=True, help_text=", ".join(ScanImportState.values))
    format = serializers.CharField(read_only=True, help_text=f"{FORMATS}; empty until recognised.")
    running = serializers.BooleanField(
        read_only=True, help_text="Waiting, checking or importing: poll again."
    )

    class Meta:
        model = ScanImport
        fields = [
            "id", "url", "filename", "sha256", "size", "system", "system_name", "format", "full", "state",
            "running", "total", "uploaded_by", "uploaded_at", "scanned_at", "created_count",
            "unchanged_count", "fixed_count", "finished_at", "error",
        ]  # fmt: skip

    def get_url(self, scan) -> str:
        path = reverse("api:vulnerability-scan-import-detail", args=[scan.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class ScanImportDetailSerializer(ScanImportSerializer):
    result = serializers.JSONField(
        read_only=True,
        help_text="What the import did or why not, as its page shows it: format, target, system, findings, "
        "created, unchanged, reopened, fixed, components_created, duplicates, and problems and warnings "
        "(each {where, message}, the first 200, with *_count and *_not_listed).",
    )

    class Meta(ScanImportSerializer.Meta):
        fields = [*ScanImportSerializer.Meta.fields, "result"]


class ScanUploadInput(serializers.Serializer):
    """In JSON, the report's text (``content``; a JSON body is read into memory, so a large report goes as
    multipart), with the same fields as the upload page."""

    content = serializers.CharField(help_text="The scanner's JSON report, as text.")
    filename = serializers.CharField(required=False, max_length=255, help_text="Kept with the import.")
    system = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text="The system's id; none: the one the file names (officers).",
    )
    format = serializers.ChoiceField(
        choices=["", *ScanFormat.values], required=False, help_text=f"{FORMATS}; empty: recognise it."
    )
    full = serializers.BooleanField(
        required=False,
        help_text="A full scan of the system: its open scanner vulnerabilities absent from it are marked "
        "fixed, pending verification.",
    )


class ScanUploadFileInput(serializers.Serializer):
    """The upload as multipart/form-data, as the page posts it."""

    file = serializers.FileField(help_text="The scanner's JSON report, at most 50 MB.")
    system = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=2**63 - 1, help_text="The system's id."
    )
    format = serializers.ChoiceField(choices=["", *ScanFormat.values], required=False)
    full = serializers.BooleanField(required=False)


class ScanImportPage(CursorPage):
    ordering = ("-uploaded_at", "-pk")


class ScanImportViewSet(
    ApiViewMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Scanner imports you may read (security officers and auditors: all; a system's owner: those of their
    systems and their own uploads), newest first."""

    queryset = ScanImport.objects.none()  # for the schema; each request reads get_queryset
    pagination_class = ScanImportPage
    parser_classes = [parsers.JSONParser, parsers.MultiPartParser]

    def get_queryset(self):
        return queries.scan_imports_for_user(self.request.user).defer("content", "result")

    def get_serializer_class(self):
        return ScanImportSerializer if self.action == "list" else ScanImportDetailSerializer

    def get_object(self):
        return queries.get_scan_import_for(self.request.user, self.kwargs["pk"])

    @extend_schema(
        request={"application/json": ScanUploadInput, "multipart/form-data": ScanUploadFileInput},
        responses={202: ScanImportDetailSerializer},
    )
    def create(self, request):
        """Upload a scanner report (pip-audit, OSV-Scanner, Trivy, Grype, CycloneDX VEX). Nothing is imported
        yet: the answer (202) is the import waiting for a worker; poll its ``url``."""
        queries.require_upload(request.user)
        upload = request.FILES.get("file")
        checked = (ScanUploadFileInput if upload is not None else ScanUploadInput)(data=request.data)
        checked.is_valid(raise_exception=True)
        values = checked.validated_data
        if upload is None:
            name = values.get("filename") or "scan.json"
            upload = SimpleUploadedFile(name, values["content"].encode(), content_type="application/json")
        form = ScanUploadForm(
            {
                "system": values.get("system") or "",
                "format": values.get("format", ""),
                "full": values.get("full"),
            },
            {"file": upload},
            systems=queries.importable_systems(request.user),
            system_required=not may_manage_vulnerabilities(request.user),
        )
        if not form.is_valid():
            raise serializers.ValidationError(form_errors(form))
        with service_errors(fields=set(form.fields)):
            scan = services.scan_import_create(
                actor=request.user,
                filename=upload.name,
                content=form.cleaned_data["file"].read(),
                system=form.cleaned_data["system"],
                format=form.cleaned_data["format"],
                full=form.cleaned_data["full"],
            )
        data = ScanImportDetailSerializer(
            queries.get_scan_import_for(request.user, scan.pk), context={"request": request}
        ).data
        answer = Response(data, status=status.HTTP_202_ACCEPTED)
        answer["Location"] = data["url"]
        return answer
