"""SCIM 2.0 reads (RFC 7643, RFC 7644): what the service publishes about itself, which connection a bearer
token belongs to, filters turned into Django ``Q`` objects over a whitelist of attributes, and people and
groups rendered as SCIM resources.

The protocol's models, messages, filter parser and PATCH semantics are scim2-models'; this module maps them
onto the directory's tables.
"""

import uuid
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils.dateparse import parse_datetime
from scim2_models import (
    Context,
    EnterpriseUser,
    Group,
    InvalidFilterException,
    ResponseParameters,
    ScimFilter,
    ScimPolicy,
    User,
)
from scim2_models.path.expressions import (
    AttrPath,
    CompareOperator,
    Comparison,
    FilterNode,
    LogicalExpr,
    LogicalOperator,
    Not,
    Present,
    ValuePath,
)
from scim2_models.path.visitor import FilterVisitor

from directory.models import DirectoryGroup, DirectoryMembership, DirectoryUser, ScimConnection
from dpms import tokens

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
TOKEN_TEXT_START = "dpms_scim_"  # noqa: S105 - the public start of every connection token, not a secret
DEFAULT_COUNT = 100
MAX_COUNT = 1000
MAX_START = 2**31

UserResource = User[EnterpriseUser]
GroupResource = Group

# What DPMS tolerates from identity providers: unknown attributes are refused (a typo must not be dropped
# silently), but a PATCH "remove" carrying a value selects what to remove and a path filter matching no
# entry creates it, as Microsoft Entra ID sends them.
POLICY = ScimPolicy(
    unknown=ScimPolicy.Unknown.forbid,
    remove_value_as_filter=ScimPolicy.RemoveValue.apply,
    unmatched_path_filter=ScimPolicy.UnmatchedPathFilter.create,
)


# --- Who calls ----------------------------------------------------------------------------------------------
def connection_for_token(text: str) -> ScimConnection | None:
    """The active connection a bearer token text belongs to, or None (unknown, wrong or revoked alike)."""
    parts = tokens.split_token(text, TOKEN_TEXT_START)
    if parts is None or len(parts[0]) > 16:
        return None
    prefix, secret = parts
    connection = ScimConnection.objects.filter(token_prefix=prefix, revoked_at__isnull=True).first()
    if connection is None or not tokens.secret_matches(connection.token_hash, secret):
        return None
    return connection


# --- What the service publishes about itself (RFC 7643 §5-7) ------------------------------------------------
def _schema(model, base_url: str) -> dict:
    data = model.to_schema().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    data["meta"] = {"resourceType": "Schema", "location": f"{base_url}/Schemas/{data['id']}"}
    return data


def _attribute(attributes: list[dict], name: str) -> dict:
    return next(attribute for attribute in attributes if attribute["name"] == name)


def schemas(base_url: str) -> list[dict]:
    """The User, Group and enterprise User schemas as DPMS serves them: a person needs an email (it is their
    login), passwords are not taken (people sign in through single sign-on or their invitation), and group
    members are ``value``, ``$ref`` and ``type``, as RFC 7643 §8.7.1 lists them."""
    user = _schema(User, base_url)
    user["attributes"] = [attribute for attribute in user["attributes"] if attribute["name"] != "password"]
    emails = _attribute(user["attributes"], "emails")
    emails["required"] = True
    _attribute(emails["subAttributes"], "value")["required"] = True
    group = _schema(Group, base_url)
    members = _attribute(group["attributes"], "members")
    members["subAttributes"] = [sub for sub in members["subAttributes"] if sub["name"] != "display"]
    enterprise = _schema(EnterpriseUser, base_url)
    return [user, group, enterprise]


def resource_types(base_url: str) -> list[dict]:
    common = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"]}
    return [
        {
            **common,
            "id": "User",
            "name": "User",
            "description": "People: DPMS accounts",
            "endpoint": "/Users",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/User"},
        },
        {
            **common,
            "id": "Group",
            "name": "Group",
            "description": "Groups: DPMS teams, and portal roles where an admin mapped them",
            "endpoint": "/Groups",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/Group"},
        },
    ]


def service_provider_config(base_url: str) -> dict:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "https://github.com/dpms/dpms#provisioning-with-scim",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_COUNT},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": True},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "Bearer token",
                "description": "The connection's token, made by a DPMS admin (Bearer dpms_scim_…).",
                "primary": True,
            }
        ],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url}/ServiceProviderConfig"},
    }


# --- Filters (RFC 7644 §3.4.2.2) as Q objects over a whitelist ------------------------------------------
@dataclass(frozen=True)
class Column:
    """A filterable attribute: the lookup it reads and how values compare (``lower``: stored lower-case, so
    compared lower-case with index-friendly lookups; ``ci``: case-insensitive lookups; ``exact``: as is)."""

    lookup: str
    kind: str  # "lower", "ci", "exact", "uuid", "bool", "datetime", "member", "work"


USER_COLUMNS = {
    "id": Column("scim_id", "uuid"),
    "username": Column("user_name_key", "lower"),
    "externalid": Column("external_id", "exact"),
    "displayname": Column("display_name", "ci"),
    "emails": Column("user__email", "lower"),
    "emails.value": Column("user__email", "lower"),
    # Entra finds people by emails[type eq "work" ...]: the login email is the person's work email.
    "emails.type": Column("", "work"),
    "active": Column("user__is_active", "bool"),
    "meta.created": Column("created_at", "datetime"),
    "meta.lastmodified": Column("updated_at", "datetime"),
}
GROUP_COLUMNS = {
    "id": Column("scim_id", "uuid"),
    "displayname": Column("display_name_key", "lower"),
    "externalid": Column("external_id", "exact"),
    "members": Column("", "member"),
    "members.value": Column("", "member"),
    "meta.created": Column("created_at", "datetime"),
    "meta.lastmodified": Column("updated_at", "datetime"),
}
_TEXT_LOOKUPS = {
    CompareOperator.eq: "exact",
    CompareOperator.co: "contains",
    CompareOperator.sw: "startswith",
    CompareOperator.ew: "endswith",
}
_ORDER_LOOKUPS = {
    CompareOperator.gt: "gt",
    CompareOperator.ge: "gte",
    CompareOperator.lt: "lt",
    CompareOperator.le: "lte",
}


def _bad(detail: str) -> InvalidFilterException:
    return InvalidFilterException(detail=detail)


class _FilterToQ(FilterVisitor[Q]):
    """Walks scim2-models' parsed filter and builds a Q object. Any attribute outside ``columns`` is an
    ``invalidFilter`` error: nothing the client sends reaches SQL but values, through the ORM."""

    def __init__(self, columns: dict[str, Column], prefix: str = ""):
        self.columns = columns
        self.prefix = prefix

    def _column(self, path: AttrPath) -> tuple[str, Column]:
        if path.uri and path.uri.lower() not in (USER_SCHEMA.lower(), GROUP_SCHEMA.lower()):
            raise _bad(f"Filtering on {path} is not supported.")
        name = f"{self.prefix}{path.attr}".lower()
        if path.sub_attr:
            name = f"{name}.{path.sub_attr.lower()}"
        column = self.columns.get(name)
        if column is None:
            supported = ", ".join(sorted(self.columns))
            raise _bad(f"Filtering on {path} is not supported (supported: {supported}).")
        return name, column

    def visit_comparison(self, node: Comparison) -> Q:
        name, column = self._column(node.attr_path)
        op, value = node.op, node.value
        if op == CompareOperator.ne:
            return ~self._compare(name, column, CompareOperator.eq, value)
        return self._compare(name, column, op, value)

    def _compare(self, name: str, column: Column, op: CompareOperator, value: Any) -> Q:
        if column.kind == "bool":
            if op != CompareOperator.eq or not isinstance(value, bool):
                raise _bad(f"{name} compares with eq or ne to true or false.")
            return Q(**{column.lookup: value})
        if column.kind == "datetime":
            try:
                moment = parse_datetime(value) if isinstance(value, str) else None
            except ValueError:  # well formed but no such moment (a 13th month)
                moment = None
            if moment is None:
                raise _bad(f"{name} compares to a date and time such as 2026-01-31T12:00:00Z.")
            lookup = "exact" if op == CompareOperator.eq else _ORDER_LOOKUPS.get(op)
            if lookup is None:
                raise _bad(f"{name} compares with eq, ne, gt, ge, lt or le.")
            return Q(**{f"{column.lookup}__{lookup}": moment})
        if not isinstance(value, str):
            raise _bad(f"{name} compares to a quoted string.")
        if column.kind == "work":
            return Q() if op == CompareOperator.eq and value.lower() == "work" else Q(pk__in=[])
        if column.kind in ("uuid", "member"):
            if op != CompareOperator.eq:
                raise _bad(f"{name} compares with eq or ne.")
            try:
                identifier = uuid.UUID(value)
            except ValueError:
                return Q(pk__in=[])  # no resource has an id that is not one of ours
            if column.kind == "uuid":
                return Q(**{column.lookup: identifier})
            members = DirectoryMembership.objects.filter(group=OuterRef("pk"), person__scim_id=identifier)
            return Q(Exists(members))
        lookup = _TEXT_LOOKUPS.get(op)
        if lookup is None:
            raise _bad(f"{name} compares with eq, ne, co, sw or ew.")
        if column.kind == "lower":
            return Q(**{f"{column.lookup}__{lookup}": value.lower()})
        if column.kind == "ci":
            return Q(**{f"{column.lookup}__i{lookup}": value})
        return Q(**{f"{column.lookup}__{lookup}": value})

    def visit_present(self, node: Present) -> Q:
        name, column = self._column(node.attr_path)
        if column.kind in ("lower", "ci", "exact"):
            return ~Q(**{column.lookup: ""})
        if column.kind == "member":
            return Q(Exists(DirectoryMembership.objects.filter(group=OuterRef("pk"))))
        return Q()  # ids, flags and dates always have a value

    def visit_not(self, node: Not) -> Q:
        return ~self.visit(node.expr)

    def visit_logical_expr(self, node: LogicalExpr) -> Q:
        parts = [self.visit(term) for term in node.terms]
        combined = parts[0]
        for part in parts[1:]:
            combined = combined & part if node.op == LogicalOperator.and_ else combined | part
        return combined

    def visit_value_path(self, node: ValuePath) -> Q:
        # emails[value eq "x"], members[value eq "id"]: the inner filter names the outer one's sub-attributes.
        return _FilterToQ(self.columns, prefix=f"{node.attr_path.attr}.").visit(node.val_filter)


def filter_q(text: str | None, columns: dict[str, Column], model) -> Q:
    """The Q object for a filter text (None or empty: everything). Bad syntax or an attribute outside the
    whitelist raises InvalidFilterException (a 400 ``invalidFilter``)."""
    if not text:
        return Q()
    if len(text) > 2000:
        raise _bad("The filter is too long.")
    parsed: FilterNode = ScimFilter[model](text).ast
    return _FilterToQ(columns).visit(parsed)


def page_bounds(start_index: str | int | None, count: str | int | None) -> tuple[int, int]:
    """``startIndex`` (1-based, below 1 reads as 1) and ``count`` (below 0 reads as 0, capped at MAX_COUNT);
    a value that is not a whole number is an ``invalidValue`` error (raised by the caller)."""
    start = int(start_index) if start_index not in (None, "") else 1
    size = int(count) if count not in (None, "") else DEFAULT_COUNT
    # A start past any directory's end reads as the end (an OFFSET beyond 64 bits is a database error).
    return min(max(start, 1), MAX_START), min(max(size, 0), MAX_COUNT)


# --- People and groups of a connection ---------------------------------------------------------------------
def users_of(connection: ScimConnection) -> QuerySet[DirectoryUser]:
    """A connection's people with everything their resources show, in a fixed number of queries."""
    return (
        DirectoryUser.objects.filter(connection=connection)
        .select_related("user", "user__manager__directory_entry")
        .prefetch_related(
            Prefetch(
                "memberships", queryset=DirectoryMembership.objects.select_related("group").order_by("pk")
            )
        )
        .order_by("pk")
    )


def groups_of(connection: ScimConnection, *, with_members: bool = True) -> QuerySet[DirectoryGroup]:
    groups = DirectoryGroup.objects.filter(connection=connection).order_by("pk")
    if with_members:
        groups = groups.prefetch_related(
            Prefetch(
                "memberships", queryset=DirectoryMembership.objects.select_related("person").order_by("pk")
            )
        )
    return groups


def _meta(resource_type: str, row, location: str) -> dict:
    return {
        "resourceType": resource_type,
        "created": row.created_at,
        "lastModified": row.updated_at,
        "version": etag(row),
        "location": location,
    }


def etag(row) -> str:
    return f'W/"{row.version}"'


def user_resource_data(person: DirectoryUser, base_url: str) -> dict:
    """A person as the SCIM User resource the directory reads back: what it sent, with the portal's truth
    for the id, active, manager and groups."""
    data = dict(person.attributes)
    data["schemas"] = [USER_SCHEMA] + ([ENTERPRISE_SCHEMA] if ENTERPRISE_SCHEMA in data else [])
    data["id"] = str(person.scim_id)
    data["userName"] = person.user_name
    if person.external_id:
        data["externalId"] = person.external_id
    if "active" in data:
        data["active"] = person.user.is_active
    if ENTERPRISE_SCHEMA in data:
        enterprise = dict(data[ENTERPRISE_SCHEMA])
        enterprise.pop("manager", None)
        manager = person.user.manager
        boss = getattr(manager, "directory_entry", None) if manager is not None else None
        if boss is not None and boss.connection_id == person.connection_id:
            enterprise["manager"] = {"value": str(boss.scim_id), "$ref": f"{base_url}/Users/{boss.scim_id}"}
        data[ENTERPRISE_SCHEMA] = enterprise
    groups = [membership.group for membership in person.memberships.all()]
    if groups:
        data["groups"] = [
            {
                "value": str(group.scim_id),
                "$ref": f"{base_url}/Groups/{group.scim_id}",
                "display": group.display_name,
                "type": "direct",
            }
            for group in groups
        ]
    data["meta"] = _meta("User", person, f"{base_url}/Users/{person.scim_id}")
    return data


def group_resource_data(group: DirectoryGroup, base_url: str, *, with_members: bool = True) -> dict:
    data: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.scim_id),
        "displayName": group.display_name,
    }
    if group.external_id:
        data["externalId"] = group.external_id
    if with_members:
        members = [membership.person for membership in group.memberships.all()]
        if members:
            data["members"] = [
                {
                    "value": str(person.scim_id),
                    "$ref": f"{base_url}/Users/{person.scim_id}",
                    "type": "User",
                }
                for person in members
            ]
    data["meta"] = _meta("Group", group, f"{base_url}/Groups/{group.scim_id}")
    return data


def render(model, data: dict, params: ResponseParameters | None) -> dict:
    """A resource's JSON as a query response, honouring ``attributes`` and ``excludedAttributes``."""
    resource = model.model_validate(data, scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, response_parameters=params)


def response_parameters(model, attributes: str | None, excluded: str | None) -> ResponseParameters | None:
    if not attributes and not excluded:
        return None
    return ResponseParameters[model].model_validate(
        {"attributes": attributes or None, "excludedAttributes": excluded or None}
    )


def wants_members(params: ResponseParameters | None) -> bool:
    """Whether a group listing must read members (Entra asks for groups with ``excludedAttributes=members``;
    a group of 10,000 people then costs nothing)."""
    if params is None:
        return True
    if params.attributes:
        return any(
            str(path).lower().split(".")[0].rsplit(":", 1)[-1] == "members" for path in params.attributes
        )
    if params.excluded_attributes:
        return not any(
            str(path).lower() in ("members", f"{GROUP_SCHEMA.lower()}:members")
            for path in params.excluded_attributes
        )
    return True
