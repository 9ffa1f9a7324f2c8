"""The SCIM 2.0 endpoint at /scim/v2/ (RFC 7644) for identity providers: bearer token per connection, no
session, no CSRF (no browser calls it). Every answer is ``application/scim+json``; every refusal a SCIM error
with its ``scimType``; every request runs in one transaction under the origin ``scim`` and is logged on its
connection's page."""

import functools
import json

import pydantic
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from scim2_models import (
    Context,
    Error,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    NotFoundException,
    PatchOp,
    PayloadTooLargeException,
    SCIMException,
)

from directory.queries import scim as q
from directory.services import connections as connection_services
from directory.services import scim as services
from dpms.context import current_origin, origin, replace_origin
from dpms.middleware import client_ip

CONTENT_TYPE = "application/scim+json"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class MethodNotAllowed(SCIMException):
    """RFC 7644 §3.12: an operation the endpoint does not offer."""

    status = 405
    _default_detail = "This method is not allowed here."


def _json(data, status: int = 200, etag: str | None = None) -> HttpResponse:
    response = HttpResponse(json.dumps(data, default=str), status=status, content_type=CONTENT_TYPE)
    if etag:
        response["ETag"] = etag
    return response


def _error(status: int, scim_type: str | None, detail: str) -> HttpResponse:
    body = Error(status=status, scim_type=scim_type or None, detail=detail[:1000])
    return _json(body.model_dump(), status=status)


def _bearer(request) -> str:
    header = request.headers.get("Authorization", "")
    keyword, _, text = header.partition(" ")
    return text.strip() if keyword.lower() == "bearer" else ""


def scim_view(handler):
    """Authenticate the connection, run the handler in one transaction as the origin ``scim``, turn every
    refusal into a SCIM error, and log the request on the connection."""

    @csrf_exempt
    @functools.wraps(handler)
    def view(request, *args, **kwargs):
        connection = q.connection_for_token(_bearer(request))
        if connection is None:
            response = _error(401, None, "The bearer token is not valid or was revoked.")
            response["WWW-Authenticate"] = 'Bearer realm="scim"'
            return response
        request.scim_connection = connection
        request.scim_base = request.build_absolute_uri("/scim/v2").rstrip("/")
        with origin("scim", request_id=getattr(request, "request_id", ""), client_ip=client_ip(request)):
            # The audit trail names the connection on everything this request writes.
            replace_origin(current_origin(), via=f"SCIM connection #{connection.pk} {connection.name}")
            response = _run(handler, request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        connection_services.request_record(
            connection=connection,
            method=request.method,
            path=request.get_full_path(),
            status=response.status_code,
            scim_type=getattr(response, "scim_type", ""),
            detail=getattr(response, "scim_detail", ""),
            request_id=getattr(request, "request_id", ""),
            client_ip=client_ip(request),
        )
        return response

    return view


def _run(handler, request, *args, **kwargs) -> HttpResponse:
    try:
        with transaction.atomic():
            return handler(request, *args, **kwargs)
    except SCIMException as error:
        response = _error(error.status, error.scim_type, error.detail)
        response.scim_type, response.scim_detail = error.scim_type, error.detail[:300]
    except pydantic.ValidationError as error:
        first = Error.from_validation_errors(error)[0]
        response = _error(first.status or 400, first.scim_type, first.detail or "Invalid request.")
        response.scim_type, response.scim_detail = first.scim_type or "", (first.detail or "")[:300]
    except IntegrityError:
        response = _error(409, "uniqueness", "Another request created the same resource at the same time.")
        response.scim_type, response.scim_detail = "uniqueness", "concurrent create"
    return response


def _refuse_nul(value) -> None:
    """PostgreSQL keeps no NUL character in text: a value holding one is refused before it reaches a query."""
    if isinstance(value, str):
        if "\x00" in value:
            raise InvalidValueException(detail="A value holds a NUL character.")
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key)
            _refuse_nul(item)
    elif isinstance(value, list):
        for item in value:
            _refuse_nul(item)


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"null")
    except RequestDataTooBig:
        raise PayloadTooLargeException(detail="The request body is too large.") from None
    except (ValueError, UnicodeDecodeError):
        raise InvalidSyntaxException(detail="The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail="The request body must be a JSON object.")
    _refuse_nul(data)
    return data


def _manager(value, base: str):
    """Okta and Entra name a manager by ``value`` alone (Entra even as a bare id), where RFC 7643 §4.3 and
    scim2-models require a ``$ref``: it is the manager's location here, filled in from the value."""
    if isinstance(value, str):
        value = {"value": value}
    if isinstance(value, dict) and value.get("value") and not value.get("$ref"):
        value = {**value, "$ref": f"{base}/Users/{value['value']}"}
    return value


def _tolerate_manager(data: dict, base: str) -> dict:
    enterprise = data.get(q.ENTERPRISE_SCHEMA)
    if isinstance(enterprise, dict) and "manager" in enterprise:
        data[q.ENTERPRISE_SCHEMA] = {**enterprise, "manager": _manager(enterprise["manager"], base)}
    key = f"{q.ENTERPRISE_SCHEMA}:manager"
    for name in [name for name in data if name.lower() == key.lower()]:
        data[name] = _manager(data[name], base)
    return data


def _validate(model, data: dict, context: Context, base: str):
    data = _tolerate_manager(data, base)
    with q.POLICY:
        return model.model_validate(data, scim_ctx=context)


def _patch_op(model, data: dict, base: str) -> PatchOp:
    for operation in data.get("Operations") or []:
        if not isinstance(operation, dict):
            continue
        # Entra ID sends the manager as a bare id: {"path": "...:manager", "value": "<id>"}.
        if str(operation.get("path", "")).lower().endswith(":manager"):
            operation["value"] = _manager(operation.get("value"), base)
        elif isinstance(operation.get("value"), dict):
            if str(operation.get("path", "")).lower() == q.ENTERPRISE_SCHEMA.lower():
                operation["value"] = _tolerate_manager({q.ENTERPRISE_SCHEMA: operation["value"]}, base)[
                    q.ENTERPRISE_SCHEMA
                ]
            else:
                operation["value"] = _tolerate_manager(dict(operation["value"]), base)
    with q.POLICY:
        return PatchOp[model].model_validate(data, scim_ctx=Context.RESOURCE_PATCH_REQUEST)  # type: ignore[index]


# --- Discovery ----------------------------------------------------------------------------------------------
def _list(resources: list[dict], total: int, start: int = 1) -> dict:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "itemsPerPage": len(resources),
        "startIndex": start,
        "Resources": resources,
    }


def _get_only(request):
    if request.method != "GET":
        raise MethodNotAllowed(detail="Only GET is allowed here.")


@scim_view
def service_provider_config(request):
    _get_only(request)
    return _json(q.service_provider_config(request.scim_base))


@scim_view
def resource_types(request, name=None):
    _get_only(request)
    types = q.resource_types(request.scim_base)
    if name is None:
        return _json(_list(types, len(types)))
    found = next((item for item in types if item["id"] == name), None)
    if found is None:
        raise NotFoundException(detail=f"No resource type {name}.")
    return _json(found)


@scim_view
def schemas(request, name=None):
    _get_only(request)
    items = q.schemas(request.scim_base)
    if name is None:
        return _json(_list(items, len(items)))
    found = next((item for item in items if item["id"].lower() == name.lower()), None)
    if found is None:
        raise NotFoundException(detail=f"No schema {name}.")
    return _json(found)


# --- Users and Groups ---------------------------------------------------------------------------------------
class Kind:
    """What differs between /Users and /Groups."""

    def __init__(self, name, model, columns, rows, data, create, replace, patch, delete):
        self.name, self.model, self.columns, self.rows, self.data = name, model, columns, rows, data
        self.create, self.replace, self.patch, self.delete = create, replace, patch, delete


USERS = Kind(
    "User",
    q.UserResource,
    q.USER_COLUMNS,
    lambda connection, params: q.users_of(connection),
    lambda row, base, params: q.user_resource_data(row, base),
    lambda connection, resource: services.user_create(connection=connection, resource=resource),
    lambda row, resource, if_match: services.user_replace(person=row, resource=resource, if_match=if_match),
    lambda row, patch, if_match: services.user_patch(person=row, patch=patch, if_match=if_match),
    lambda row, if_match: services.user_delete(person=row, if_match=if_match),
)
GROUPS = Kind(
    "Group",
    q.GroupResource,
    q.GROUP_COLUMNS,
    lambda connection, params: q.groups_of(connection, with_members=q.wants_members(params)),
    lambda row, base, params: q.group_resource_data(row, base, with_members=q.wants_members(params)),
    lambda connection, resource: services.group_create(connection=connection, resource=resource),
    lambda row, resource, if_match: services.group_replace(group=row, resource=resource, if_match=if_match),
    lambda row, patch, if_match: services.group_patch(group=row, patch=patch, if_match=if_match),
    lambda row, if_match: services.group_delete(group=row, if_match=if_match),
)


def _query(request, kinds: list[Kind], params_source: dict) -> HttpResponse:
    """A list of one resource type, or of several (the root search): users first, then groups, paged as one
    list. A filter naming an attribute only one type has selects nothing of the other (RFC 7644 §3.4.2.1)."""
    _refuse_nul(params_source)
    try:
        start, count = q.page_bounds(params_source.get("startIndex"), params_source.get("count"))
    except (TypeError, ValueError):
        raise InvalidValueException(detail="startIndex and count are whole numbers.") from None
    lists, refusals = [], []
    for kind in kinds:
        params = q.response_parameters(
            kind.model, params_source.get("attributes"), params_source.get("excludedAttributes")
        )
        try:
            condition = q.filter_q(params_source.get("filter"), kind.columns, kind.model)
        except InvalidFilterException as refusal:
            refusals.append(refusal)
            continue
        lists.append((kind, params, kind.rows(request.scim_connection, params).filter(condition)))
    if not lists:
        raise refusals[0]
    total, resources, skip = 0, [], start - 1
    for kind, params, rows in lists:
        size = rows.count()
        total += size
        wanted = count - len(resources)
        if wanted > 0 and skip < size:
            page = rows[skip : skip + wanted]
            base = request.scim_base
            resources += [q.render(kind.model, kind.data(row, base, params), params) for row in page]
        skip = max(skip - size, 0)
    return _json(_list(resources, total, start))


def _joined(value) -> str | None:
    if isinstance(value, list):
        return ",".join(str(item) for item in value)
    return value


def collection(kind: Kind):
    @scim_view
    def view(request):
        if request.method == "GET":
            return _query(request, [kind], request.GET.dict())
        if request.method == "POST":
            resource = _validate(
                kind.model, _body(request), Context.RESOURCE_CREATION_REQUEST, request.scim_base
            )
            row = kind.create(request.scim_connection, resource)
            return _answer(request, kind, row, status=201)
        raise MethodNotAllowed(detail=f"{request.method} is not allowed on /{kind.name}s.")

    return view


SEARCH_PARAMETERS = {"schemas", "attributes", "excludedAttributes", "filter", "startIndex", "count"}


def _search(request, kinds: list[Kind]) -> HttpResponse:
    if request.method != "POST":
        raise MethodNotAllowed(detail="Searches are POSTed.")
    body = _body(request)
    unknown = set(body) - SEARCH_PARAMETERS
    if unknown:
        raise InvalidSyntaxException(detail=f"Unknown search parameters: {', '.join(sorted(unknown))}.")
    source = {key: _joined(body.get(key)) for key in SEARCH_PARAMETERS - {"schemas"}}
    return _query(request, kinds, source)


def search(kind: Kind):
    @scim_view
    def view(request):
        return _search(request, [kind])

    return view


def _row(request, kind: Kind, scim_id: str):
    rows = kind.rows(request.scim_connection, None)
    try:
        row = rows.filter(scim_id=scim_id).first()
    except ValidationError:  # an id that is not a UUID names nothing here
        row = None
    if row is None:
        raise NotFoundException(detail=f"No {kind.name} {scim_id}.")
    return row


def _answer(request, kind: Kind, row, status: int = 200) -> HttpResponse:
    fresh = _row(request, kind, str(row.scim_id))
    data = q.render(kind.model, kind.data(fresh, request.scim_base, None), None)
    response = _json(data, status=status, etag=q.etag(fresh))
    if status == 201:
        response["Location"] = data["meta"]["location"]
    return response


def resource(kind: Kind):
    @scim_view
    def view(request, scim_id):
        row = _row(request, kind, scim_id)
        if_match = request.headers.get("If-Match")
        if request.method == "GET":
            _refuse_nul(request.GET.dict())
            params = q.response_parameters(
                kind.model, request.GET.get("attributes"), request.GET.get("excludedAttributes")
            )
            if request.headers.get("If-None-Match") == q.etag(row):
                return HttpResponse(status=304)
            data = q.render(kind.model, kind.data(row, request.scim_base, params), params)
            return _json(data, etag=q.etag(row))
        if request.method == "PUT":
            new = _validate(
                kind.model, _body(request), Context.RESOURCE_REPLACEMENT_REQUEST, request.scim_base
            )
            return _answer(request, kind, kind.replace(row, new, if_match))
        if request.method == "PATCH":
            patch = _patch_op(kind.model, _body(request), request.scim_base)
            return _answer(request, kind, kind.patch(row, patch, if_match))
        if request.method == "DELETE":
            kind.delete(row, if_match)
            return HttpResponse(status=204)
        raise MethodNotAllowed(detail=f"{request.method} is not allowed on a {kind.name}.")

    return view


@scim_view
def search_everything(request):
    """POST /.search: people and groups in one list (RFC 7644 §3.4.3)."""
    return _search(request, [USERS, GROUPS])


@scim_view
def not_found(request, rest=""):
    raise NotFoundException(detail="No such SCIM endpoint.")


urlpatterns = [
    path("ServiceProviderConfig", service_provider_config, name="scim_service_provider_config"),
    path("ResourceTypes", resource_types, name="scim_resource_types"),
    path("ResourceTypes/<str:name>", resource_types, name="scim_resource_type"),
    path("Schemas", schemas, name="scim_schemas"),
    path("Schemas/<str:name>", schemas, name="scim_schema"),
    path("Users", collection(USERS), name="scim_users"),
    path("Users/.search", search(USERS), name="scim_users_search"),
    path("Users/<str:scim_id>", resource(USERS), name="scim_user"),
    path("Groups", collection(GROUPS), name="scim_groups"),
    path("Groups/.search", search(GROUPS), name="scim_groups_search"),
    path("Groups/<str:scim_id>", resource(GROUPS), name="scim_group"),
    path(".search", search_everything, name="scim_search"),
    re_path(r"^(?P<rest>.*)$", not_found),
]
