"""/api/v1/: the foundation's endpoints and every app's (``dpms.portal``, ``App.api``), the OpenAPI schema at
/api/schema/ and its docs page at /api/docs/ (Swagger UI from static/, no CDN)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from dpms import portal
from dpms.api import audit, notifications, people, tokens


class Router(DefaultRouter):
    include_format_suffixes = False


def build_router() -> Router:
    # Path converters instead of regular expressions: an id that is not a number (``ApiViewMixin``'s
    # ``lookup_value_converter``) matches no route and is a 404, never a lookup of "abc".
    router = Router(use_regex_path=False)
    router.register("people", people.PersonViewSet, basename="person")
    router.register("teams", people.TeamViewSet, basename="team")
    router.register("notifications", notifications.NotificationViewSet, basename="notification")
    router.register("audit-events", audit.AuditEventViewSet, basename="audit-event")
    router.register("tokens", tokens.ApiTokenViewSet, basename="token")
    for route in portal.api_routes():
        router.register(route.prefix, route.viewset, basename=route.basename)
    return router


urlpatterns = [
    path("v1/", include((build_router().urls, "api"), namespace="api")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="dpms/api_docs.html"),
        name="api-docs",
    ),
]
