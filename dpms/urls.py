from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy

from dpms import search, views

# The admin signs in through allauth, so it has the same rate limits, lockout and audit as the portal.
admin.site.login = secure_admin_login(admin.site.login)  # type: ignore[method-assign]  # allauth's recipe
admin.site.site_header = gettext_lazy("DPMS administration")
admin.site.site_title = gettext_lazy("DPMS admin")

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/panels/<slug:key>/", views.dashboard_panel, name="dashboard_panel"),
    path("search/", search.search, name="search"),
    path("audit/", views.audit_trail, name="audit_trail"),
    path("audit/export.csv", views.audit_trail_csv, name="audit_trail_csv"),
    path("audit/verify", views.audit_verify, name="audit_verify"),
    path("audit/verifications/<int:pk>/", views.audit_verification_progress, name="audit_verification"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/open", views.notification_open, name="notification_open"),
    path("notifications/read-all", views.notifications_read_all, name="notifications_read_all"),
    path("notifications/settings", views.notification_preferences, name="notification_preferences"),
    path("account/preferences", views.account_preferences, name="account_preferences"),
    path("invitation/<str:uidb64>/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("healthz", views.healthz, name="healthz"),
    path("healthz/web", views.healthz_web, name="healthz_web"),
    path("health/", views.system_health, name="system_health"),
    path("access/", include("access.urls")),
    path("risks/", include("risk.urls")),
    path("incidents/", include("incidents.urls")),
    path("directory/", include("directory.urls")),
    path("vulnerabilities/", include("vulnerabilities.urls")),
    path("policies/", include("policies.urls")),
    # The public disclosure form, the reporter's private page and /.well-known/security.txt (no sign-in).
    path("", include("vulnerabilities.views.security")),
    path("scim/v2/", include("directory.views.scim")),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke", views.api_token_revoke, name="api_token_revoke"),
    path("api-tokens/<int:pk>/requests", views.api_token_requests, name="api_token_requests"),
    path("webhooks/", views.webhooks, name="webhooks"),
    path("webhooks/<int:pk>/", views.webhook_detail, name="webhook_detail"),
    path("webhooks/<int:pk>/rotate-secret", views.webhook_rotate_secret, name="webhook_rotate_secret"),
    path("webhooks/<int:pk>/delete", views.webhook_delete, name="webhook_delete"),
    path("api/", include("dpms.api.urls")),
    path("accounts/", include("dpms.sso")),  # the OpenID Connect callback, verifying more than allauth's
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]

handler400 = "dpms.views.bad_request"
handler403 = "dpms.views.forbidden"
handler404 = "dpms.views.not_found"
handler500 = "dpms.views.server_error"
