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


# --- Error answers in every operation ---------------------------------------------------------------------
PROBLEM = {
    "type": "object",
    "description": "An error, as RFC 9457 problem details.",
    "properties": {
        "type": {"type": "string", "example": "about:blank"},
        "title": {"type": "string", "example": "The request is not valid"},
        "status": {"type": "integer", "example": 400},
        "detail": {"type": "string", "example": "Some fields are not valid."},
        "errors": {
            "type": "object",
            "description": "On a 400: each field's messages, by field (a list's item as field.0).",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
            "example": {"justification": ["A privileged keep needs a justification."]},
        },
    },
    "required": ["type", "title", "status", "detail"],
}
WHY = {
    "400": "The request is not valid: the fields and their messages are under `errors`.",
    "401": "No valid token or session: send `Authorization: Bearer <token>`.",
    "403": "The rules refuse it (a read-only token writing, a role that may not act, a network not allowed).",
    "404": "Not found, or not yours to see.",
    "405": "The method is not allowed here.",
    "409": "A call with this idempotency key is still running.",
    "412": "The object changed since you read it (`If-Match`).",
    "415": "Send JSON (`Content-Type: application/json`).",
    "422": "This idempotency key was used for another request.",
    "429": "Too many requests: wait the seconds `Retry-After` gives.",
}
WRITES = {"post", "put", "patch", "delete"}


def add_problem_responses(result, generator, request, public):
    """drf-spectacular's postprocessing hook: every operation documents the problem details it may answer
    with, so a client (and schemathesis) knows every status the API gives."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Problem"] = PROBLEM
    for _path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in WRITES | {"get", "head"}:
                continue
            # 404 everywhere: a path's object, or an object a body names, that is not yours to see.
            codes = ["400", "401", "403", "404", "405", "406", "429"]
            if method in WRITES:
                codes += ["409", "412", "415", "422"]
            responses = operation.setdefault("responses", {})
            for code in codes:
                responses.setdefault(
                    code,
                    {
                        "description": WHY.get(code, "The request cannot be answered as asked."),
                        "content": {
                            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                        },
                    },
                )
    return result
