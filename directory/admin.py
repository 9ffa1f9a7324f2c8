"""The directory's rows are kept by SCIM and the connection pages; the Django admin only reads them."""

from django.contrib import admin

from directory.models import DirectoryGroup, DirectoryUser, ScimConnection


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScimConnection)
class ScimConnectionAdmin(ReadOnlyAdmin):
    list_display = ["name", "created_at", "revoked_at", "last_request_at"]
    exclude = ["token_hash"]


@admin.register(DirectoryUser)
class DirectoryUserAdmin(ReadOnlyAdmin):
    list_display = ["user_name", "connection", "external_id", "updated_at"]
    list_select_related = ["connection"]


@admin.register(DirectoryGroup)
class DirectoryGroupAdmin(ReadOnlyAdmin):
    list_display = ["display_name", "connection", "role", "team"]
    list_select_related = ["connection", "team"]
