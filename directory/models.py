"""People and groups pushed by an identity provider (Okta, Entra ID) through SCIM 2.0, and the connections
they come through. The people themselves are ``dpms.models.User`` rows, changed only through the people
services of ``dpms.services``; these tables keep what the directory said and how it maps to the portal."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from directory.choices import ApprovalState, MappedRole


class ScimConnection(models.Model):
    """One identity provider pushing people and groups to ``/scim/v2/``. It calls with a bearer token
    (``dpms_scim_<prefix>_<secret>``) shown once to the admin who made it; only the prefix (the lookup key)
    and the SHA-256 of the secret are stored. Rotating gives a new token at once (the old one stops);
    revoking stops the connection."""

    name = models.CharField(max_length=100, unique=True)
    token_prefix = models.CharField(max_length=16, unique=True)
    token_hash = models.CharField(max_length=64)
    token_created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_request_at = models.DateTimeField(null=True, blank=True)
    last_change_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "SCIM connection"

    def __str__(self):
        return self.name

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class DirectoryUser(models.Model):
    """A person as one connection's directory knows them: the SCIM ``id`` DPMS gave them, the directory's
    ``userName`` and ``externalId``, and every other attribute it sent (kept as sent, so what the IdP reads
    back is what it wrote). The portal fields (email, name, title, manager, team, active) live on the
    person and are changed through the people services."""

    connection = models.ForeignKey(ScimConnection, on_delete=models.PROTECT, related_name="users")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="directory_entry"
    )
    user_name = models.CharField(max_length=300)
    # userName is not case-exact (RFC 7643 §4.1.1): its lower-case form is unique per connection.
    user_name_key = models.CharField(max_length=300)
    external_id = models.CharField(max_length=300, blank=True)
    display_name = models.CharField(max_length=300, blank=True)
    attributes = models.JSONField(default=dict, blank=True)
    # The portal roles this person holds because of the groups they are in (so leaving a group takes away
    # only what a group gave, never a role an admin gave by hand).
    group_roles = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["connection", "user_name_key"], name="directory_user_name_unique")
        ]
        indexes = [models.Index(fields=["connection", "external_id"], name="directory_user_external")]

    def __str__(self):
        return self.user_name


class DirectoryGroup(models.Model):
    """A group of one connection's directory. It maps to a portal team of the same name (members without a
    ``department`` join it), and, where an admin mapped it, to a portal role its members hold."""

    connection = models.ForeignKey(ScimConnection, on_delete=models.PROTECT, related_name="groups")
    scim_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    display_name = models.CharField(max_length=300)
    display_name_key = models.CharField(max_length=300)
    external_id = models.CharField(max_length=300, blank=True)
    team = models.ForeignKey(
        "dpms.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="directory_groups"
    )
    role = models.CharField(max_length=30, choices=MappedRole.choices, blank=True)
    role_set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    role_set_at = models.DateTimeField(null=True, blank=True)
    members: "models.ManyToManyField[DirectoryUser, DirectoryMembership]" = models.ManyToManyField(
        DirectoryUser, through="DirectoryMembership", related_name="groups"
    )
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "display_name_key"], name="directory_group_name_unique"
            )
        ]

    def __str__(self):
        return self.display_name


class DirectoryMembership(models.Model):
    """A person in a directory group, since when."""

    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="memberships")
    person = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="memberships")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["group", "person"], name="directory_membership_unique")
        ]

    def __str__(self):
        return f"{self.person} in {self.group}"


class AdminApproval(models.Model):
    """A person the directory put in a group mapped to the admin role: they become an admin only when an
    admin other than the one who mapped the group (and not themselves) approves."""

    group = models.ForeignKey(DirectoryGroup, on_delete=models.CASCADE, related_name="admin_approvals")
    person = models.ForeignKey(DirectoryUser, on_delete=models.CASCADE, related_name="admin_approvals")
    state = models.CharField(max_length=12, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    requested_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "person"],
                condition=Q(state__in=["pending", "approved"]),
                name="directory_admin_approval_open_unique",
            )
        ]

    def __str__(self):
        return f"{self.person} as admin via {self.group}"


class ScimRequest(models.Model):
    """One request an identity provider made: what it asked and how DPMS answered (the connection's page
    lists the latest). The audit events a write caused carry its ``request_id``."""

    connection = models.ForeignKey(ScimConnection, on_delete=models.CASCADE, related_name="requests")
    at = models.DateTimeField(default=timezone.now)
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500)
    status = models.PositiveSmallIntegerField()
    scim_type = models.CharField(max_length=30, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    changed = models.BooleanField(default=False)

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["connection", "-at"], name="scim_request_latest")]

    def __str__(self):
        return f"{self.method} {self.path} → {self.status}"
