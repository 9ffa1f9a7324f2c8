"""The Django admin for the risk app, for portal admins only.

Risk categories (a configurable list) are managed here, audited like every change. Everything with a
workflow of its own (risks, treatment actions, acceptances, assessments) is read-only here: it changes
through the portal's pages and services, which validate, audit and notify.
"""

from django.contrib import admin
from django.forms.models import model_to_dict

from dpms import audit
from dpms.admin import PortalAdminOnly, ReadOnly
from risk.models import Risk, RiskAcceptance, RiskAssessment, RiskCategory, TreatmentAction


@admin.register(RiskCategory)
class RiskCategoryAdmin(PortalAdminOnly, admin.ModelAdmin):
    """Categories: every add, change and delete lands in the audit trail (in the admin's transaction)."""

    list_display = ("name", "description")
    search_fields = ("name",)
    audit_fields = ("name", "description")

    def save_model(self, request, obj, form, change):
        before = (
            model_to_dict(RiskCategory.objects.get(pk=obj.pk), fields=self.audit_fields) if change else {}
        )
        super().save_model(request, obj, form, change)
        after = model_to_dict(obj, fields=self.audit_fields)
        audit.record(
            action=f"risk.category.{'update' if change else 'create'}",
            actor=request.user,
            obj=obj,
            changes=audit.diff(before, after) if change else {"created": after},
        )

    def delete_model(self, request, obj):
        changes = model_to_dict(obj, fields=self.audit_fields)
        audit.record(action="risk.category.delete", actor=request.user, obj=obj, changes=changes)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)


@admin.register(Risk)
class RiskAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("reference", "title", "owner", "category", "status", "next_review_on")
    list_select_related = ("owner", "category")
    list_filter = ("status", "treatment", "category")
    search_fields = ("reference", "title", "owner__email", "owner__full_name")


@admin.register(TreatmentAction)
class TreatmentActionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("title", "risk", "owner", "due_on", "status")
    list_select_related = ("risk", "owner")
    list_filter = ("status",)
    search_fields = ("title", "risk__reference")


@admin.register(RiskAcceptance)
class RiskAcceptanceAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("risk", "requested_by", "status", "expires_on", "above_appetite")
    list_select_related = ("risk", "requested_by")
    list_filter = ("status", "above_appetite")
    search_fields = ("risk__reference",)


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("risk", "reviewed_by", "reviewed_at", "next_review_on")
    list_select_related = ("risk", "reviewed_by")
    search_fields = ("risk__reference",)
