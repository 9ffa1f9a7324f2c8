"""SCIM 2.0 writes: people and groups an identity provider creates, replaces, patches and deletes.

Every change to a person goes through the people services of ``dpms.services`` (``user_invite`` with the
joiner steps, ``user_update`` with the mover steps, ``user_deactivate`` with the leaver steps,
``user_set_roles``, ``team_create``); this module only keeps the directory's own rows and decides what to ask
of them. The view runs each request inside ``dpms.context.origin("scim", ...)`` and one transaction, so the
audit events carry the source ``scim`` and a refused request leaves nothing half-saved.
"""

import contextlib
import uuid
import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from scim2_models import (
    EnterpriseUser,
    InvalidValueException,
    PatchOp,
    PreconditionFailedException,
    UniquenessException,
)

from directory.choices import ApprovalState, MappedRole
from directory.models import AdminApproval, DirectoryGroup, DirectoryMembership, DirectoryUser, ScimConnection
from directory.queries.scim import ENTERPRISE_SCHEMA, POLICY, GroupResource, UserResource, etag
from dpms import audit
from dpms import services as people
from dpms.models import Team, User

# What DPMS keeps of a User resource as the directory sent it; the rest is the portal's (id, meta, groups)
# or never stored (a password: people from the directory sign in through single sign-on or an invitation).
NOT_KEPT = {"id", "meta", "groups", "password", "schemas", "userName", "externalId"}


def _invalid(detail: str) -> InvalidValueException:
    return InvalidValueException(detail=detail)


def check_version(row, if_match: str | None) -> None:
    """Honour ``If-Match`` (RFC 7644 §3.14): a write against an older version is refused with 412."""
    if if_match and if_match.strip() != "*" and etag(row) not in [tag.strip() for tag in if_match.split(",")]:
        raise PreconditionFailedException(detail=f"The resource is at version {etag(row)}.")


def _service_error(error: ValidationError) -> InvalidValueException:
    if hasattr(error, "error_dict"):
        text = "; ".join(f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items())
    else:
        text = " ".join(error.messages)
    return _invalid(text)


def _touch(connection: ScimConnection) -> None:
    ScimConnection.objects.filter(pk=connection.pk).update(last_change_at=timezone.now())


# --- People -------------------------------------------------------------------------------------------------
def _email_of(resource) -> str:
    """The login email: the primary email, else the first, else a userName that is an email."""
    emails = [email for email in resource.emails or [] if email.value]
    chosen = next((email.value for email in emails if email.primary), emails[0].value if emails else None)
    chosen = chosen or resource.user_name
    try:
        if len(chosen) > 254:  # the email column's length (RFC 5321's limit)
            raise ValidationError("too long")
        validate_email(chosen)
    except ValidationError:
        raise _invalid("A person needs an email address (emails[].value): it is their login.") from None
    return User.objects.normalize_email(chosen).lower()


def _full_name(resource) -> str | None:
    """The name the directory gives, or None when it gives none (a new person is then named by userName)."""
    name = resource.name
    parts = [name.given_name, name.family_name] if name else []
    text = resource.display_name or (name.formatted if name else None) or " ".join(p for p in parts if p)
    return " ".join(str(text).split())[:200] or None


def _resolve_manager(connection: ScimConnection, value: str | None, person: DirectoryUser | None):
    """The manager a ``manager.value`` names: the SCIM id DPMS gave them, else their externalId or userName
    (Okta sends whatever its managerId holds)."""
    if not value:
        return None
    people_ = DirectoryUser.objects.filter(connection=connection).select_related("user")
    found = None
    with contextlib.suppress(ValidationError):  # not a UUID: not one of our ids
        found = people_.filter(scim_id=value).first()
    found = (
        found
        or people_.filter(external_id=value).first()
        or people_.filter(user_name_key=value.lower()).first()
    )
    if found is None:
        raise _invalid(f"manager: no person with the id {value!r} in this directory.")
    if person is not None and found.pk == person.pk:
        raise _invalid("manager: a person cannot be their own manager.")
    return found.user


def _team_named(name: str) -> Team:
    name = " ".join(name.split())[:120]
    team = Team.objects.filter(name__iexact=name).first()
    return team or people.team_create(actor=None, name=name)


def _portal_fields(connection: ScimConnection, resource, person: DirectoryUser | None) -> dict:
    """The person's portal fields the resource sets. What the directory does not send stays as the portal
    has it: a name, a title, a manager (only with the enterprise extension), a team (only with a
    ``department``, else the groups decide)."""
    fields: dict = {"email": _email_of(resource)}
    full_name = _full_name(resource)
    if full_name or person is None:
        fields["full_name"] = full_name or resource.user_name[:200]
    if resource.title is not None or (person is not None and "title" in person.attributes):
        fields["job_title"] = " ".join((resource.title or "").split())[:120]
    if resource.timezone:
        try:
            zoneinfo.ZoneInfo(resource.timezone)
            fields["time_zone"] = resource.timezone
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            pass  # a zone name DPMS does not know (Windows names): the person keeps theirs
    enterprise = resource[EnterpriseUser]
    if enterprise is not None:
        manager_value = enterprise.manager.value if enterprise.manager else None
        fields["manager"] = _resolve_manager(connection, manager_value, person)
        if enterprise.department and enterprise.department.strip():
            fields["team"] = _team_named(enterprise.department)
    return fields


def _kept_attributes(resource) -> dict:
    data = resource.model_dump(mode="json", by_alias=True, exclude_none=True)
    return {key: value for key, value in data.items() if key not in NOT_KEPT}


def _check_unique_user_name(connection, user_name: str, person: DirectoryUser | None) -> None:
    others = DirectoryUser.objects.filter(connection=connection, user_name_key=user_name.lower())
    if person is not None:
        others = others.exclude(pk=person.pk)
    if others.exists():
        raise UniquenessException(detail=f"userName {user_name!r} is taken in this directory.")


def _user_name(resource) -> str:
    user_name = (resource.user_name or "").strip()
    if not user_name or len(user_name) > 300:
        raise _invalid("userName is required (at most 300 characters).")
    return user_name


@transaction.atomic
def user_create(*, connection: ScimConnection, resource) -> DirectoryUser:
    """A person the directory creates: a new account (the joiner steps, no password invitation: they sign in
    through single sign-on), or an account DPMS already has with that email and no directory yet, which the
    directory takes over."""
    user_name = _user_name(resource)
    _check_unique_user_name(connection, user_name, None)
    fields = _portal_fields(connection, resource, None)
    user = User.objects.filter(email=fields["email"]).first()
    if user is not None and DirectoryUser.objects.filter(user=user).exists():
        raise UniquenessException(detail=f"{fields['email']} is already provisioned.")
    try:
        if user is None:
            time_zone = fields.pop("time_zone", None)
            user = people.user_invite(actor=None, invite=False, **fields)
            if time_zone:
                people.user_update(actor=None, user=user, time_zone=time_zone)
        else:
            if _full_name(resource) is None:
                fields.pop("full_name")  # the account's name stays when the directory gives none
            _update_person(user, fields)
    except ValidationError as error:
        raise _service_error(error) from None
    person = DirectoryUser.objects.create(
        connection=connection,
        user=user,
        user_name=user_name,
        user_name_key=user_name.lower(),
        external_id=(resource.external_id or "")[:300],
        display_name=(resource.display_name or "")[:300],
        attributes=_kept_attributes(resource),
    )
    audit.record(
        action="directory.user.link",
        actor=None,
        obj=user,
        changes={"connection": connection.name, "userName": user_name, "scim_id": str(person.scim_id)},
    )
    _set_active(user, resource.active)
    settle_team(person)
    _touch(connection)
    return person


def _update_person(user: User, fields: dict) -> None:
    changed = {name: value for name, value in fields.items() if getattr(user, name) != value}
    if changed:
        people.user_update(actor=None, user=user, **changed)


def _set_active(user: User, active) -> None:
    """``active=false`` is a leaver (the leaver steps), ``true`` again a reactivation; absent: unchanged."""
    user.refresh_from_db(fields=["is_active"])
    if active is False and user.is_active:
        people.user_deactivate(actor=None, user=user)
    elif active is True and not user.is_active:
        people.user_reactivate(actor=None, user=user)


def _save_user_resource(person: DirectoryUser, resource) -> DirectoryUser:
    connection = person.connection
    user_name = _user_name(resource)
    _check_unique_user_name(connection, user_name, person)
    fields = _portal_fields(connection, resource, person)
    if User.objects.filter(email=fields["email"]).exclude(pk=person.user_id).exists():
        raise UniquenessException(detail=f"Another person has the email {fields['email']}.")
    enterprise = resource[EnterpriseUser]
    department_removed = not (enterprise and enterprise.department and enterprise.department.strip())
    try:
        _update_person(person.user, fields)
    except ValidationError as error:
        raise _service_error(error) from None
    before = {"userName": person.user_name, "externalId": person.external_id, **person.attributes}
    person.user_name, person.user_name_key = user_name, user_name.lower()
    person.external_id = (resource.external_id or "")[:300]
    person.display_name = (resource.display_name or "")[:300]
    person.attributes = _kept_attributes(resource)
    person.version += 1
    person.updated_at = timezone.now()
    person.save()
    after = {"userName": person.user_name, "externalId": person.external_id, **person.attributes}
    changed = audit.diff(before, after)
    if changed:
        # What the directory says of the person beyond the portal's fields (those the people services audit).
        audit.record(action="directory.user.update", actor=None, obj=person.user, changes=changed)
    _set_active(person.user, resource.active)
    if department_removed:
        settle_team(person)
    _touch(connection)
    return person


def _locked_person(person: DirectoryUser, if_match: str | None) -> DirectoryUser:
    # Lock the row: two writes of the same person (an IdP retrying) must not interleave.
    locked = (
        DirectoryUser.objects.select_for_update(of=("self",))
        .select_related("user", "connection")
        .get(pk=person.pk)
    )
    check_version(locked, if_match)
    return locked


@transaction.atomic
def user_replace(*, person: DirectoryUser, resource, if_match: str | None = None) -> DirectoryUser:
    """PUT: the person becomes what the directory sent (read-only attributes kept, RFC 7644 §3.5.1)."""
    person = _locked_person(person, if_match)
    resource.replace(stored_user(person))
    return _save_user_resource(person, resource)


@transaction.atomic
def user_patch(*, person: DirectoryUser, patch: PatchOp, if_match: str | None = None) -> DirectoryUser:
    """PATCH: scim2-models applies the operations to the stored resource; the result is saved as a PUT."""
    person = _locked_person(person, if_match)
    resource = stored_user(person)
    with POLICY:
        patch.patch(resource)
    return _save_user_resource(person, resource)


def stored_user(person: DirectoryUser):
    """The person's resource as last written (the view renders the portal's truth on top)."""
    data = dict(person.attributes)
    data["schemas"] = ["urn:ietf:params:scim:schemas:core:2.0:User"] + (
        [ENTERPRISE_SCHEMA] if ENTERPRISE_SCHEMA in data else []
    )
    data["id"] = str(person.scim_id)
    data["userName"] = person.user_name
    if person.external_id:
        data["externalId"] = person.external_id
    return UserResource.model_validate(data)


@transaction.atomic
def user_delete(*, person: DirectoryUser, if_match: str | None = None) -> None:
    """DELETE: the directory forgets the person; DPMS deactivates them (the leaver steps) and keeps the
    account, because the audit trail and the evidence name them."""
    person = _locked_person(person, if_match)
    user, connection = person.user, person.connection
    memberships = list(DirectoryMembership.objects.filter(person=person).select_related("group"))
    DirectoryMembership.objects.filter(person=person).delete()
    AdminApproval.objects.filter(person=person, state=ApprovalState.PENDING).update(
        state=ApprovalState.WITHDRAWN, decided_at=timezone.now()
    )
    settle_roles(person)
    if user.is_active:
        people.user_deactivate(actor=None, user=user)
    audit.record(
        action="directory.user.unlink",
        actor=None,
        obj=user,
        changes={
            "connection": connection.name,
            "userName": person.user_name,
            "groups": [membership.group.display_name for membership in memberships],
        },
    )
    person.delete()
    _touch(connection)


# --- What groups give: a team and mapped portal roles -------------------------------------------------------
def settle_team(person: DirectoryUser) -> None:
    """A person without a ``department`` belongs to the team of their first group (by when they joined it)
    that maps to a team and not to a role; leaving it moves them to the next such group's team."""
    enterprise = person.attributes.get(ENTERPRISE_SCHEMA) or {}
    if (enterprise.get("department") or "").strip():
        return
    membership = (
        DirectoryMembership.objects.filter(person=person, group__role="", group__team__isnull=False)
        .select_related("group")
        .order_by("added_at", "pk")
        .first()
    )
    user = User.objects.get(pk=person.user_id)
    if membership is not None:
        wanted = membership.group.team_id
    elif DirectoryGroup.objects.filter(connection=person.connection_id, team=user.team_id).exists():
        wanted = None  # they left the last group whose team they were in
    else:
        return  # a team the portal gave them: not the directory's to take away
    if user.team_id != wanted:
        try:
            people.user_update(actor=None, user=user, team_id=wanted)
        except ValidationError as error:
            raise _service_error(error) from None


def settle_roles(person: DirectoryUser) -> None:
    """The portal roles a person's groups give: security officer and auditor at once; admin only after a
    second admin approves (``AdminApproval``). Roles given by hand are left alone; only what a group gave is
    taken away when the person leaves it."""
    groups = list(DirectoryGroup.objects.filter(memberships__person=person).exclude(role=""))
    wanted = {group.role for group in groups if group.role != MappedRole.ADMIN}
    admin_groups = [group for group in groups if group.role == MappedRole.ADMIN]
    open_ = AdminApproval.objects.filter(
        person=person, state__in=[ApprovalState.PENDING, ApprovalState.APPROVED]
    )
    # Approvals for groups the person left (or that lost their admin mapping) end.
    open_.exclude(group__in=admin_groups).update(state=ApprovalState.WITHDRAWN, decided_at=timezone.now())
    for group in admin_groups:
        joined = DirectoryMembership.objects.get(group=group, person=person).added_at
        latest = AdminApproval.objects.filter(group=group, person=person).order_by("-pk").first()
        refused_since_joining = (
            latest is not None and latest.state == ApprovalState.REFUSED and latest.requested_at >= joined
        )
        if (
            latest is None
            or latest.state == ApprovalState.WITHDRAWN
            or (latest.state == ApprovalState.REFUSED and not refused_since_joining)
        ):
            AdminApproval.objects.create(group=group, person=person)
            audit.record(
                action="directory.admin_approval.request",
                actor=None,
                obj=person.user,
                changes={"group": group.display_name, "connection": person.connection.name},
            )
        elif latest.state == ApprovalState.APPROVED:
            wanted.add(MappedRole.ADMIN)
    wanted_names = {str(role) for role in wanted}
    user = User.objects.get(pk=person.user_id)
    held = set(user.groups.values_list("name", flat=True))
    given = set(person.group_roles)
    roles = (held - (given - wanted_names)) | wanted_names
    if roles != held:
        people.user_set_roles(actor=None, user=user, roles=sorted(roles))
    # What the groups gave: kept while wanted, plus what was added now (a role held already was not theirs).
    now_given = sorted((given & wanted_names) | (wanted_names - held))
    if now_given != person.group_roles:
        DirectoryUser.objects.filter(pk=person.pk).update(group_roles=now_given)
        person.group_roles = now_given


# --- Groups -------------------------------------------------------------------------------------------------
def _display_name(resource) -> str:
    name = " ".join((resource.display_name or "").split())
    if not name or len(name) > 120:
        raise _invalid("displayName is required (at most 120 characters: it names a DPMS team).")
    return name


def _member_people(connection: ScimConnection, resource) -> list[DirectoryUser]:
    """The people a group's members name, in one query however many (a group of 10,000 is one PUT)."""
    ids: dict[str, uuid.UUID] = {}
    for member in resource.members or []:
        if member.type and member.type != "User":
            raise _invalid("members: DPMS groups hold people, not other groups.")
        if not member.value:
            raise _invalid("members: every member needs a value (the person's id).")
        try:
            ids[member.value] = uuid.UUID(member.value)
        except ValueError:
            raise _invalid(f"members: no person with the id {member.value!r} in this directory.") from None
    found = {
        person.scim_id: person
        for person in DirectoryUser.objects.filter(connection=connection, scim_id__in=set(ids.values()))
    }
    for value, identifier in ids.items():
        if identifier not in found:
            raise _invalid(f"members: no person with the id {value!r} in this directory.")
    return list(found.values())


def _check_unique_group(connection, name: str, group: DirectoryGroup | None) -> None:
    others = DirectoryGroup.objects.filter(connection=connection, display_name_key=name.lower())
    if group is not None:
        others = others.exclude(pk=group.pk)
    if others.exists():
        raise UniquenessException(detail=f"There is a group called {name!r} in this directory already.")


def _set_members(group: DirectoryGroup, members: list[DirectoryUser]) -> dict:
    before = set(DirectoryMembership.objects.filter(group=group).values_list("person_id", flat=True))
    after = {person.pk for person in members}
    added, removed = after - before, before - after
    DirectoryMembership.objects.filter(group=group, person_id__in=removed).delete()
    DirectoryMembership.objects.bulk_create(
        [DirectoryMembership(group=group, person_id=pk) for pk in sorted(added)]
    )
    for person in DirectoryUser.objects.filter(pk__in=added | removed).select_related("connection"):
        settle_roles(person)
        settle_team(person)
    names = dict(DirectoryUser.objects.filter(pk__in=added | removed).values_list("pk", "user_name"))
    return {"added": sorted(names[pk] for pk in added), "removed": sorted(names[pk] for pk in removed)}


@transaction.atomic
def group_create(*, connection: ScimConnection, resource) -> DirectoryGroup:
    """A group the directory creates; it maps to the DPMS team of the same name (made if missing)."""
    name = _display_name(resource)
    _check_unique_group(connection, name, None)
    members = _member_people(connection, resource)
    try:
        team = _team_named(name)
    except ValidationError as error:
        raise _service_error(error) from None
    group = DirectoryGroup.objects.create(
        connection=connection,
        display_name=name,
        display_name_key=name.lower(),
        external_id=(resource.external_id or "")[:300],
        team=team,
    )
    changes = _set_members(group, members)
    audit.record(
        action="directory.group.create",
        actor=None,
        obj=group,
        changes={"connection": connection.name, "team": team.name, **changes},
    )
    _touch(connection)
    return group


def _locked_group(group: DirectoryGroup, if_match: str | None) -> DirectoryGroup:
    locked = (
        DirectoryGroup.objects.select_for_update(of=("self",))
        .select_related("connection", "team")
        .get(pk=group.pk)
    )
    check_version(locked, if_match)
    return locked


def _save_group(group: DirectoryGroup, resource, *, members: bool = True) -> DirectoryGroup:
    connection = group.connection
    name = _display_name(resource)
    _check_unique_group(connection, name, group)
    people_ = _member_people(connection, resource)
    before = group.display_name
    if name != before and group.team is not None and group.team.name == before:
        clash = Team.objects.filter(name__iexact=name).exclude(pk=group.team.pk).first()
        try:
            if clash is None:
                people.team_update(actor=None, team=group.team, name=name)
            else:
                group.team = clash  # a team of that name exists: the group maps to it from now on
        except ValidationError as error:
            raise _service_error(error) from None
    group.display_name, group.display_name_key = name, name.lower()
    before_external = group.external_id
    group.external_id = (resource.external_id or "")[:300]
    group.version += 1
    group.updated_at = timezone.now()
    group.save()
    changes = _set_members(group, people_) if members else {}
    if group.external_id != before_external:
        changes["externalId"] = [before_external, group.external_id]
    if name == before and not any(changes.values()):
        _touch(connection)
        return group  # nothing the trail needs: the same name and members
    audit.record(
        action="directory.group.update",
        actor=None,
        obj=group,
        changes={
            "connection": connection.name,
            **({"name": [before, name]} if name != before else {}),
            **changes,
        },
    )
    _touch(connection)
    return group


@transaction.atomic
def group_replace(*, group: DirectoryGroup, resource, if_match: str | None = None) -> DirectoryGroup:
    group = _locked_group(group, if_match)
    resource.replace(stored_group(group))
    return _save_group(group, resource)


@transaction.atomic
def group_patch(*, group: DirectoryGroup, patch: PatchOp, if_match: str | None = None) -> DirectoryGroup:
    group = _locked_group(group, if_match)
    resource = stored_group(group)
    with POLICY:
        patch.patch(resource)
    return _save_group(group, resource)


def stored_group(group: DirectoryGroup):
    members = DirectoryMembership.objects.filter(group=group).select_related("person").order_by("pk")
    data = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": str(group.scim_id),
        "displayName": group.display_name,
        "members": [{"value": str(m.person.scim_id), "type": "User"} for m in members] or None,
    }
    if group.external_id:
        data["externalId"] = group.external_id
    return GroupResource.model_validate({key: value for key, value in data.items() if value is not None})


@transaction.atomic
def group_delete(*, group: DirectoryGroup, if_match: str | None = None) -> None:
    """DELETE: the group goes, and with it the roles and team it gave its members (the team itself stays)."""
    group = _locked_group(group, if_match)
    connection = group.connection
    changes = _set_members(group, [])
    AdminApproval.objects.filter(group=group).delete()
    audit.record(
        action="directory.group.delete",
        actor=None,
        obj=group,
        changes={"connection": connection.name, "name": group.display_name, **changes},
    )
    group.delete()
    _touch(connection)
