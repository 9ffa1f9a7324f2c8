"""What every endpoint shares: errors as RFC 9457 problem details, cursor pages, the request history of
token writes, ETag/If-Match, idempotency keys, strict filters and service refusals (the throttles are in
``dpms.api.throttles``)."""

from contextlib import contextmanager

import django_filters
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions, status
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler

PROBLEM_TYPE = "about:blank"
SAFE = ("GET", "HEAD", "OPTIONS")
TITLES = {
    400: "The request is not valid",
    401: "Authentication needed",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Changed since you read it",
    413: "Too large",
    415: "Unsupported media type",
    428: "Precondition required",
    429: "Too many requests",
}


def problem(status_code: int, detail: str, **extra) -> Response:
    """A problem details response (``application/problem+json``)."""
    body = {"type": PROBLEM_TYPE, "title": TITLES.get(status_code, "Error"), "status": status_code}
    body["detail"] = detail
    body.update(extra)
    return Response(body, status=status_code, content_type="application/problem+json")


def _field_errors(data) -> dict:
    """DRF's nested error lists, flattened to ``{"field": ["message", ...]}`` (``non_field_errors`` kept)."""
    if isinstance(data, list):
        return {"non_field_errors": [str(item) for item in data]}
    errors: dict = {}
    for field, messages in data.items():
        if isinstance(messages, dict):
            for inner, inner_messages in _field_errors(messages).items():
                errors[f"{field}.{inner}"] = inner_messages
        elif isinstance(messages, list) and messages and isinstance(messages[0], dict):
            for index, item in enumerate(messages):
                for inner, inner_messages in _field_errors(item).items():
                    errors[f"{field}[{index}].{inner}"] = inner_messages
        else:
            errors[field] = [
                str(message) for message in (messages if isinstance(messages, list) else [messages])
            ]
    return errors


def problem_details(exc, context):
    """DRF's exception handler, answering in problem details; 400s list their field errors under
    ``errors``. A Django ``PermissionDenied`` from a shared access helper is a 403 as on the pages."""
    if isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    response = exception_handler(exc, context)
    if response is None:
        return None  # an unexpected error: Django's 500 handling (logged), never its text
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status.HTTP_400_BAD_REQUEST, "Some fields are not valid.", errors=_field_errors(exc.detail)
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    extra = {}
    if isinstance(detail, dict):  # a permission's or authenticator's structured detail
        extra = {key: value for key, value in detail.items() if key != "detail"}
        detail = detail.get("detail", "")
    answer = problem(response.status_code, str(detail), **extra)
    for header in ("WWW-Authenticate", "Retry-After", "Allow"):
        if header in response:
            answer[header] = response[header]
    return answer


class CursorPage(CursorPagination):
    """Newest first by default, ``page_size`` from 1 to ``API_MAX_PAGE_SIZE``; no count of the whole list, so
    a page costs the same at any size. A view orders by a unique field (or ends its ordering with ``pk``).
    A ``page_size`` that is not such a number, or a cursor this API did not give, is a 400 naming it."""

    page_size = settings.API_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = settings.API_MAX_PAGE_SIZE
    ordering = "-pk"

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or not 1 <= int(raw) <= self.max_page_size:
            raise exceptions.ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return int(raw)

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound:
            message = "Not a cursor of this list: follow its next and previous links."
            raise exceptions.ValidationError({self.cursor_query_param: [message]}) from None


class ApiViewMixin:
    """Every endpoint's view: a write made with a token joins that token's request history (the audit
    events it caused share the request id)."""

    _audit_head_before: int | None = None
    lookup_value_converter = "int"  # ids are numbers: /x/abc/ is a 404 (the router uses path converters)

    # Query parameters that may be given more than once (a filter of several values); any other given twice
    # is a 400 rather than a silent choice of one of them.
    repeatable_params: tuple[str, ...] = ()

    def initial(self, request, *args, **kwargs):
        from dpms import queries
        from dpms.api.authentication import calling_token

        repeated = sorted(
            name
            for name in request.query_params
            if len(request.query_params.getlist(name)) > 1 and name not in self.repeatable_params
        )
        if repeated:
            raise exceptions.ValidationError({name: ["Give this parameter once."] for name in repeated})
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        if calling_token(request) is not None and request.method not in SAFE:
            self._audit_head_before = queries.audit_head_sequence()

    def finalize_response(self, request, response, *args, **kwargs):
        from dpms import services
        from dpms.api.authentication import calling_token
        from dpms.middleware import client_ip

        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        token = calling_token(request)
        if token is not None and request.method not in SAFE:
            services.api_request_record(
                token=token,
                method=request.method,
                path=request.get_full_path(),
                status=response.status_code,
                client_ip=client_ip(request._request),
                request_id=getattr(request._request, "request_id", ""),
                after_sequence=self._audit_head_before,
            )
        return response


# --- ETag / If-Match: two clients do not overwrite each other ----------------------------------------------
def etag_of(data) -> str:
    """A strong ETag of an object's representation (its serializer's data)."""
    import hashlib
    import json

    body = json.dumps(data, sort_keys=True, default=str, separators=(",", ":")).encode()
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The object changed since you read it: read it again (its new ETag) and retry."
    default_code = "precondition_failed"


class ConditionalMixin:
    """For viewsets over objects that change: a detail answer (which is the object's representation) carries
    its ``ETag``, and a write to that object (PUT, PATCH, DELETE, or a POST action on it) sent with
    ``If-Match`` is refused with 412 when the object no longer has that ETag; without ``If-Match`` the write
    goes ahead. The check is made when the view fetches the object, before the service's own locked read,
    so two writes at the same instant may both pass it: the service's rules still decide between them."""

    def get_object(self):
        obj = super().get_object()  # type: ignore[misc]
        request = self.request  # type: ignore[attr-defined]
        if request.method not in SAFE:
            wanted = request.headers.get("If-Match", "").strip()
            if wanted and wanted != "*":
                serializer = self.get_serializer(obj)  # type: ignore[attr-defined]
                current = etag_of(serializer.data)
                if current not in [tag.strip().removeprefix("W/") for tag in wanted.split(",")]:
                    raise PreconditionFailed()
        return obj

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]
        # A detail route answers with the object's representation (the convention of every endpoint).
        if (
            getattr(self, "detail", False)
            and 200 <= response.status_code < 300
            and isinstance(getattr(response, "data", None), dict)  # a download has no data
        ):
            response["ETag"] = etag_of(response.data)
        return response


# --- Idempotency keys: a retried create does not create twice ----------------------------------------------
IDEMPOTENCY_HEADER = "Idempotency-Key"


def _body_for_key(request) -> bytes:
    """What identifies a request's body for its idempotency key: the body itself; for multipart/form-data
    (files), whose boundary differs on every retry and whose body may be far larger than Django reads into
    memory, its fields and each file's name and SHA-256."""
    import hashlib

    if not (request.content_type or "").startswith("multipart/"):
        return request._request.body or b""
    parts = []
    for key in sorted(request.data.keys()):
        for value in request.data.getlist(key):
            if hasattr(value, "chunks"):
                digest = hashlib.sha256()
                for chunk in value.chunks():
                    digest.update(chunk)
                value.seek(0)
                parts.append(f"{key}=file:{value.name}:{digest.hexdigest()}")
            else:
                parts.append(f"{key}={value}")
    return "\n".join(parts).encode()


def idempotent(view_method):
    """For a viewset's creating POST. With an ``Idempotency-Key`` header, the first answer below 500 is kept
    for that person and key (a raised error keeps nothing), and a retry with the same key and the same
    request gets it again (``Idempotent-Replayed: true``) without creating anything; the same key with
    another request is a 422. On PostgreSQL a retry while the first call still runs waits for it (the key
    row is taken first, in the call's transaction) and gets its answer."""
    import functools
    import hashlib

    from django.db import IntegrityError, transaction

    @functools.wraps(view_method)
    def wrapper(self, request, *args, **kwargs):
        from dpms.models import ApiIdempotencyKey

        key = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        if not key:
            return view_method(self, request, *args, **kwargs)
        if len(key) > 200:
            return problem(400, f"The {IDEMPOTENCY_HEADER} header is at most 200 characters.")
        fingerprint = hashlib.sha256(
            b"\n".join([request.method.encode(), request.get_full_path().encode(), _body_for_key(request)])
        ).hexdigest()
        user = request.user
        with transaction.atomic():
            try:
                with transaction.atomic():  # a concurrent first call holds this key until it commits
                    ApiIdempotencyKey.objects.create(user=user, key=key, fingerprint=fingerprint)
            except IntegrityError:
                kept = ApiIdempotencyKey.objects.filter(user=user, key=key).first()
            else:
                response = view_method(self, request, *args, **kwargs)  # an exception drops the key too
                if response.status_code >= 500:
                    transaction.set_rollback(True)  # nothing kept: the client may retry
                    return response
                ApiIdempotencyKey.objects.filter(user=user, key=key).update(
                    status=response.status_code, response=response.data
                )
                return response
        if kept is None or kept.status is None:
            return problem(409, "A call with this idempotency key is still running; retry in a moment.")
        if kept.fingerprint != fingerprint:
            return problem(422, "This idempotency key was used for another request.")
        replay = Response(kept.response, status=kept.status)
        replay["Idempotent-Replayed"] = "true"
        return replay

    return wrapper


# --- Filters that refuse what they do not understand --------------------------------------------------------
class StrictFilterBackend(DjangoFilterBackend):
    """django-filter's backend, refusing with a 400 what a filter's widget would quietly read as "no filter"
    and answer with everything: a yes/no filter given anything but true or false, a choice filter given
    something not among its choices, and a typed filter (not a text search) given an empty value."""

    BOOLEAN_TEXTS = {"true", "false", "1", "0"}

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            wrong = {}
            for name, declared in filterset_class.base_filters.items():
                if name in request.query_params:
                    problem = self._problem(declared, request.query_params[name])
                    if problem:
                        wrong[name] = [problem]
            if wrong:
                raise exceptions.ValidationError(wrong)
        return super().filter_queryset(request, queryset, view)

    def _problem(self, declared, value: str) -> str:
        if isinstance(declared, django_filters.BooleanFilter):
            return "" if value.lower() in self.BOOLEAN_TEXTS else "Give true or false."
        if value == "" and not isinstance(declared, django_filters.CharFilter):
            return "Give a value, or leave the parameter out."
        choices = declared.extra.get("choices")
        if isinstance(declared, django_filters.ChoiceFilter) and isinstance(choices, list | tuple):
            allowed = [str(key) for key, _label in choices]
            if value not in allowed:
                return "Give one of: " + ", ".join(allowed) + "."
        return ""


# --- Calling a service --------------------------------------------------------------------------------------
def form_errors(form) -> dict:
    """A page form's errors as the API's 400 names them (the form's ``__all__`` as ``non_field_errors``)."""
    return {
        ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
        for field, messages in form.errors.items()
    }


@contextmanager
def service_errors(fields=None):
    """Call a service: its Django ``ValidationError`` is a 400 with field errors, its ``PermissionError`` a
    403 (its ``PermissionDenied`` and ``Http404`` are answered by ``problem_details``). With ``fields``, a
    field the service names that is not among them is reported under ``non_field_errors``, as
    ``dpms.forms.add_service_errors`` shows it above the page's form. The service's transaction has rolled
    back: nothing is half saved."""
    from django.core.exceptions import ValidationError as DjangoValidationError

    try:
        yield
    except DjangoValidationError as error:
        if hasattr(error, "error_dict"):
            detail: dict = {}
            for field, errors in error.message_dict.items():
                key = field if fields is None or field in fields else "non_field_errors"
                detail.setdefault(key, []).extend(errors)
        else:
            detail = {"non_field_errors": list(error.messages)}
        raise exceptions.ValidationError(detail) from error
    except PermissionError as error:
        raise exceptions.PermissionDenied(str(error)) from error
