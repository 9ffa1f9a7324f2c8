"""How the OpenAPI schema describes our authenticators (drf-spectacular extensions, registered on import by
``dpms.api.authentication``)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "dpms.api.authentication.TokenAuthentication"
    name = "personalAccessToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "A personal access token (dpms_...) from the API tokens page of your account.",
        }


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = "dpms.api.authentication.SessionAuthentication"
    name = "browserSession"

    def get_security_definition(self, auto_schema):
        from django.conf import settings

        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "A signed-in browser; writes also need the CSRF token (X-CSRFToken header).",
        }
