"""The Django admin for the access app, for portal admins only.

Systems and roles are set up here (audited, like every change). Everything with a workflow of its own
(grants, requests, imports, findings, policies, campaigns, review items, revocation tasks) is read-only:
it changes through the portal's pages and services, which validate, audit and notify.
"""

from django.contrib import admin
from django.forms.models import model_to_dict

from access.models import (
    AccessRequest,
    BirthrightRule,
    Finding,
    Grant,
    ImportBatch,
    ImportJob,
    ReviewCampaign,
    ReviewItem,
    ReviewPolicy,
    RevocationTask,
    Role,
    System,
)
from dpms import audit
from dpms.admin import PortalAdminOnly, ReadOnly


class AuditedAdmin(PortalAdminOnly, admin.ModelAdmin):
    """Every add, change and delete lands in the audit trail (the admin wraps each in a transaction)."""

    audit_prefix = ""
    audit_fields: tuple[str, ...] = ()

    def _snapshot(self, obj) -> dict:
        return model_to_dict(obj, fields=self.audit_fields)

    def save_model(self, request, obj, form, change):
        before = self._snapshot(type(obj).objects.get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        after = self._snapshot(obj)
        audit.record(
            action=f"{self.audit_prefix}.{'update' if change else 'create'}",
            actor=request.user,
            obj=obj,
            changes=audit.diff(before, after) if change else {"created": after},
        )

    def delete_model(self, request, obj):
        audit.record(
            action=f"{self.audit_prefix}.delete", actor=request.user, obj=obj, changes=self._snapshot(obj)
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


class RoleInline(admin.TabularInline):
    """Roles are listed on their system; they are added and changed on the role page (audited)."""

    model = Role
    fields = ("name", "privileged", "description")
    readonly_fields = fields
    extra = 0
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(System)
class SystemAdmin(AuditedAdmin):
    audit_prefix = "access.system"
    audit_fields = (
        "name",
        "description",
        "owner",
        "environment",
        "data_classification",
        "max_privileged",
        "expiry_action",
        "auto_revoke_leavers",
    )
    list_display = ("name", "owner", "environment", "data_classification", "max_privileged", "is_portal")
    list_select_related = ("owner",)
    list_filter = ("environment", "data_classification", "is_portal", "auto_revoke_leavers")
    search_fields = ("name", "description", "owner__email", "owner__full_name")
    autocomplete_fields = ("owner",)
    readonly_fields = ("is_portal", "created_at")
    inlines = (RoleInline,)

    def has_delete_permission(self, request, obj=None):
        # Grants point at roles with PROTECT; a system with history is kept for the evidence.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.is_portal)


@admin.register(Role)
class RoleAdmin(AuditedAdmin):
    audit_prefix = "access.role"
    audit_fields = ("system", "name", "description", "privileged")
    list_display = ("name", "system", "privileged")
    list_select_related = ("system",)
    list_filter = ("privileged", "system__environment")
    search_fields = ("name", "system__name")
    autocomplete_fields = ("system",)


@admin.register(Grant)
class GrantAdmin(ReadOnly, admin.ModelAdmin):
    """Grants change on the register's pages (justification, audit, limits), never here."""

    list_display = ("user", "role", "granted_at", "expires_at", "source", "revoked_at")
    list_select_related = ("user", "role__system")
    list_filter = ("source", "role__privileged", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("user__email", "user__full_name", "role__name", "role__system__name")
    date_hierarchy = "granted_at"
    show_full_result_count = False


@admin.register(AccessRequest)
class AccessRequestAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("requested_for", "role", "requested_by", "status", "created_at")
    list_select_related = ("requested_for", "requested_by", "role__system")
    list_filter = ("status",)
    search_fields = ("requested_for__email", "requested_by__email", "role__name", "role__system__name")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("filename", "uploaded_by", "uploaded_at", "full", "row_count", "created_count")
    list_select_related = ("uploaded_by",)
    list_filter = ("full", "status")
    search_fields = ("filename", "sha256")


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnly, admin.ModelAdmin):
    """Uploaded files on their way; the file itself (up to 5 MB) is never loaded here."""

    list_display = ("filename", "uploaded_by", "uploaded_at", "state", "full", "size", "batch")
    list_select_related = ("uploaded_by", "batch")
    list_filter = ("state", "full")
    search_fields = ("filename", "sha256", "uploaded_by__email")
    exclude = ("content",)

    def get_queryset(self, request):
        return super().get_queryset(request).defer("content")


@admin.register(Finding)
class FindingAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("kind", "system", "person", "opened_at", "resolved_at")
    list_select_related = ("system", "person")
    list_filter = ("kind", ("resolved_at", admin.EmptyFieldListFilter))
    search_fields = ("system__name", "person__email", "details")


@admin.register(BirthrightRule)
class BirthrightRuleAdmin(ReadOnly, admin.ModelAdmin):
    """Birthright rules are set on the portal's Birthright page (security officers; audited)."""

    list_display = ("team", "role", "created_by", "created_at")
    list_select_related = ("team", "role__system", "created_by")
    search_fields = ("team__name", "role__name", "role__system__name")


@admin.register(ReviewPolicy)
class ReviewPolicyAdmin(ReadOnly, admin.ModelAdmin):
    """Policies are edited on the portal's policy pages, which show what a revoke default would revoke."""

    list_display = ("name", "enabled", "cadence", "reviewer_rule", "default_decision", "next_run_at")
    list_filter = ("enabled", "cadence", "reviewer_rule", "default_decision")
    search_fields = ("name",)


@admin.register(ReviewCampaign)
class ReviewCampaignAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("name", "policy", "kind", "status", "launched_at", "due_at", "closed_at")
    list_select_related = ("policy",)
    list_filter = ("status", "kind")
    search_fields = ("name", "period_key")


@admin.register(ReviewItem)
class ReviewItemAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("holder_label", "system_name", "role_name", "privileged", "reviewer", "decision")
    list_select_related = ("reviewer",)
    list_filter = ("decision", "privileged", "default_applied", "override", "bulk")
    search_fields = ("holder_label", "system_name", "role_name", "reviewer__email")
    show_full_result_count = False


@admin.register(RevocationTask)
class RevocationTaskAdmin(ReadOnly, admin.ModelAdmin):
    """Owners mark tasks done on the portal's page (with a note, audited)."""

    list_display = ("grant", "system", "assignee", "status", "due_at", "done_at")
    list_select_related = ("grant__user", "grant__role__system", "system", "assignee")
    list_filter = ("status",)
    search_fields = ("system__name", "grant__user__email")
