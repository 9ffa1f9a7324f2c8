"""The Django admin for people and teams, and read-only views of the audit trail, notifications and outbox.

Only portal admins (the admin role, or a superuser) get in; Django's per-model permissions are not used.
Every change to a person goes through ``dpms.services``, so it lands in the audit trail with who did it.
"""

from typing import Any, cast

import allauth.mfa.admin  # noqa: F401 - registers Authenticator, unregistered below
from allauth.mfa.models import Authenticator
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext, gettext_lazy, ngettext

from dpms import audit, services
from dpms.admin_forms import (
    CheckedAutocompleteSelect,
    CheckedAutocompleteSelectMultiple,
    CheckedModelMultipleChoiceField,
    UserChangeForm,
    UserInviteForm,
)
from dpms.models import AuditEvent, Notification, OutboxEmail, PortalRole, Team, User

# Portal roles are fixed groups (created by a migration) and are edited on each person, not here.
admin.site.unregister(Group)
# Second factors are not browsed here: their data holds authenticator-app secrets, and removing them is the
# audited reset on the person's page (allauth.mfa's own admin, imported first so it can be taken away).
admin.site.unregister(Authenticator)

DETAIL_FIELDS = ("email", "full_name", "job_title", "team_id", "manager_id", "time_zone", "language")


class PortalAdminOnly:
    """Every admin page is for portal admins; other apps' ModelAdmins can mix this in too (every one of ours
    does). Its related-object fields answer a malformed id with a form error, never a 500: the autocomplete
    widgets and the many-to-many field of ``dpms.admin_forms``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        model_admin = cast("admin.ModelAdmin[Any]", self)  # a mixin: always mixed into a ModelAdmin
        if "widget" not in kwargs and db_field.name in model_admin.get_autocomplete_fields(request):
            site, using = model_admin.admin_site, kwargs.get("using")
            kwargs["widget"] = CheckedAutocompleteSelect(db_field, site, using=using)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)  # type: ignore[misc]  # ModelAdmin's

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        model_admin = cast("admin.ModelAdmin[Any]", self)
        if "widget" not in kwargs and db_field.name in model_admin.get_autocomplete_fields(request):
            site, using = model_admin.admin_site, kwargs.get("using")
            kwargs["widget"] = CheckedAutocompleteSelectMultiple(db_field, site, using=using)
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]  # ModelAdmin's

    @staticmethod
    def _is_portal_admin(request) -> bool:
        return request.user.is_active and request.user.is_admin

    def has_module_permission(self, request):
        return self._is_portal_admin(request)

    def has_view_permission(self, request, obj=None):
        return self._is_portal_admin(request)

    def has_add_permission(self, request):
        return self._is_portal_admin(request)

    def has_change_permission(self, request, obj=None):
        return self._is_portal_admin(request)

    def has_delete_permission(self, request, obj=None):
        return self._is_portal_admin(request)


class ReadOnly(PortalAdminOnly):
    """A list to look at: nobody adds, changes or deletes here, not even a superuser."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PortalRoleFilter(admin.SimpleListFilter):
    title = gettext_lazy("portal role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return PortalRole.choices

    def queryset(self, request, queryset):
        if self.value() in PortalRole.values:
            return queryset.filter(groups__name=self.value())
        return queryset


@admin.register(User)
class UserAdmin(PortalAdminOnly, DjangoUserAdmin):
    """People. Adding sends an invitation (no password is set here); deactivation ends all sessions."""

    form = UserChangeForm
    add_form = UserInviteForm
    add_form_template = None  # the plain change form: Django's asks for a username and password
    list_display = ("email", "full_name", "job_title", "team", "manager", "is_active", "roles")
    list_select_related = ("team", "manager")
    list_filter = ("is_active", PortalRoleFilter, "team")
    search_fields = ("email", "full_name", "job_title", "team__name")
    ordering = ("full_name", "email")
    autocomplete_fields = ("team", "manager")
    filter_horizontal = ()
    readonly_fields = ("is_superuser", "last_login", "date_joined", "deactivated_at")
    fieldsets = (
        (None, {"fields": ("email", "full_name", "job_title", "password")}),
        (gettext_lazy("Reporting line"), {"fields": ("team", "manager", "time_zone", "language")}),
        (gettext_lazy("Access"), {"fields": ("is_active", "groups", "is_superuser")}),
        (gettext_lazy("Dates"), {"fields": ("date_joined", "last_login", "deactivated_at")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "fields": ("email", "full_name", "job_title", "team", "manager", "roles"),
                "description": gettext_lazy(
                    "The person gets an email with a link to set their own password."
                ),
            },
        ),
    )
    actions = ("deactivate_people", "reactivate_people", "resend_invitation")
    change_form_template = "admin/dpms/user/change_form.html"  # adds "Reset two-factor authentication"

    def get_urls(self):
        from django.urls import path

        reset = path(
            "<path:object_id>/mfa-reset/",
            self.admin_site.admin_view(self.mfa_reset_view),
            name="dpms_user_mfa_reset",
        )
        return [reset, *super().get_urls()]

    def mfa_reset_view(self, request, object_id):
        """Confirm, then remove every second factor of a person (``dpms.mfa.mfa_reset``). The admin needs
        their own: without one, a 403 saying so; with one not shown in this session, it is asked first."""
        from django.core.exceptions import PermissionDenied
        from django.http import Http404
        from django.shortcuts import redirect
        from django.template.response import TemplateResponse
        from django.urls import reverse
        from django.utils.http import urlencode

        from dpms import mfa

        person = self.get_object(request, unquote(object_id))
        if person is None:
            raise Http404
        back = reverse("admin:dpms_user_change", args=[person.pk])
        if not mfa.mfa_enabled(request.user):
            raise PermissionDenied(gettext("Set up your own second factor before resetting anyone else's."))
        if not mfa.may_reset_mfa(request):
            return redirect(
                reverse("mfa_reauthenticate") + "?" + urlencode({"next": request.get_full_path()})
            )
        if request.method == "POST":
            try:
                removed = mfa.mfa_reset(actor=request.user, user=person)
            except PermissionDenied as refusal:
                self.message_user(request, str(refusal), messages.ERROR)
                return redirect(back)
            self.message_user(
                request,
                ngettext(
                    "Removed %(count)s second factor of %(person)s.",
                    "Removed %(count)s second factors of %(person)s.",
                    removed,
                )
                % {"count": removed, "person": person},
            )
            return redirect(back)
        factors = Authenticator.objects.filter(user=person).order_by("type", "pk")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": person,
            "factors": factors,
            "title": gettext("Reset two-factor authentication of %(person)s") % {"person": person},
        }
        return TemplateResponse(request, "admin/dpms/user/mfa_reset.html", context)

    def get_queryset(self, request):
        # Role flags annotated, so the roles column costs no query per row.
        return User.objects.with_roles().exclude(email=settings.ANONYMOUS_USER_NAME)

    def has_delete_permission(self, request, obj=None):
        return False  # people are deactivated, never deleted: the records they appear in must stay whole

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user  # type: ignore[attr-defined]  # a fresh class per request
        return form

    @admin.display(description=gettext_lazy("Portal roles"))
    def roles(self, user):
        return ", ".join(user.role_labels)

    def save_model(self, request, obj, form, change):
        if not change:
            invited = services.user_invite(
                actor=request.user,
                email=obj.email,
                full_name=obj.full_name,
                manager=obj.manager,
                team=obj.team,
                job_title=obj.job_title,
                roles=[group.name for group in form.cleaned_data.get("roles") or ()],
            )
            # The admin goes on with ``obj`` (redirect, log entry): make it the row the service created.
            obj.pk, obj.password, obj._state.adding = invited.pk, invited.password, False
            return
        # ``obj`` carries the form's values already; the services need the stored person for a true diff.
        stored = User.objects.get(pk=obj.pk)
        changed = {
            name: getattr(obj, name) for name in DETAIL_FIELDS if getattr(obj, name) != getattr(stored, name)
        }
        if changed:
            stored = services.user_update(actor=request.user, user=stored, **changed)
        if stored.is_active and not obj.is_active:
            services.user_deactivate(actor=request.user, user=stored)
        elif obj.is_active and not stored.is_active:
            services.user_reactivate(actor=request.user, user=stored)

    def save_related(self, request, form, formsets, change):
        if change and "groups" in form.cleaned_data:
            services.user_set_roles(
                actor=request.user,
                user=form.instance,
                roles=[group.name for group in form.cleaned_data["groups"]],
            )

    def user_change_password(self, request, id, form_url=""):
        """Django's set-password page (its form checks the password policy), audited when it succeeds."""
        user = self.get_object(request, unquote(id))
        before = user.password if user is not None else None
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and user is not None:
                user.refresh_from_db(fields=["password"])
                if user.password != before:
                    audit.record(
                        action="people.user.password_set",
                        actor=request.user,
                        obj=user,
                        changes={"by": "admin", "usable": user.has_usable_password()},
                    )
        return response

    @admin.action(description=gettext_lazy("Deactivate selected people (ends their sessions)"))
    def deactivate_people(self, request, queryset):
        done = 0
        for user in queryset.filter(is_active=True):
            if user.pk == request.user.pk:
                self.message_user(request, gettext("You cannot deactivate yourself."), messages.ERROR)
                continue
            services.user_deactivate(actor=request.user, user=user)
            done += 1
        self.message_user(
            request,
            ngettext("Deactivated %(count)s person.", "Deactivated %(count)s people.", done)
            % {"count": done},
        )

    @admin.action(description=gettext_lazy("Reactivate selected people"))
    def reactivate_people(self, request, queryset):
        users = [user for user in queryset if not user.is_active]
        for user in users:
            services.user_reactivate(actor=request.user, user=user)
        self.message_user(
            request,
            ngettext("Reactivated %(count)s person.", "Reactivated %(count)s people.", len(users))
            % {"count": len(users)},
        )

    @admin.action(description=gettext_lazy("Resend invitation"))
    def resend_invitation(self, request, queryset):
        sent = skipped = 0
        for user in queryset:
            if user.is_active and not user.has_usable_password():
                services.user_send_invitation(actor=request.user, user=user)
                sent += 1
            else:
                skipped += 1
        self.message_user(
            request,
            ngettext("Sent %(count)s invitation.", "Sent %(count)s invitations.", sent) % {"count": sent},
        )
        if skipped:
            self.message_user(
                request,
                gettext("Skipped %(count)s: deactivated, or a password is set already.") % {"count": skipped},
                messages.WARNING,
            )


@admin.register(Team)
class TeamAdmin(PortalAdminOnly, admin.ModelAdmin):
    list_display = ("name", "member_count", "description")
    search_fields = ("name",)
    ordering = ("name",)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(active_members=Count("members", filter=Q(members__is_active=True)))
        )

    @admin.display(description=gettext_lazy("Active members"), ordering="active_members")
    def member_count(self, team):
        return team.active_members

    def save_model(self, request, obj, form, change):
        before: dict = dict(Team.objects.values("name", "description").get(pk=obj.pk)) if change else {}
        super().save_model(request, obj, form, change)
        after = {"name": obj.name, "description": obj.description}
        audit.record(
            action="people.team.update" if change else "people.team.create",
            actor=request.user,
            obj=obj,
            changes=audit.diff(before, after) if change else {"created": after},
        )

    def has_delete_permission(self, request, obj=None):
        # A team with members stays: deleting it would move them all to no team without the mover steps
        # every move runs (dpms.services.user_update). Move its members first.
        return super().has_delete_permission(request, obj) and (obj is None or not obj.members.exists())

    def delete_model(self, request, obj):
        audit.record(action="people.team.delete", actor=request.user, obj=obj, changes={"name": obj.name})
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for team in queryset:
            if team.members.exists():
                self.message_user(
                    request,
                    gettext("%(team)s has members: move them first.") % {"team": team},
                    messages.ERROR,
                )
                continue
            self.delete_model(request, team)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly, admin.ModelAdmin):
    """The trail, to look at. Auditors and security officers read it on the portal's own audit page."""

    list_display = (
        "sequence",
        "occurred_at",
        "actor_label",
        "action",
        "object_type",
        "object_label",
        "source",
    )
    list_filter = ("source", "object_type", "action")
    search_fields = ("actor_label", "action", "object_label", "=object_id", "=request_id")
    date_hierarchy = "occurred_at"
    ordering = ("-sequence",)
    show_full_result_count = False  # no second COUNT(*) over a trail of millions


@admin.register(Notification)
class NotificationAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("subject", "recipient", "created_at", "read_at")
    list_select_related = ("recipient",)
    list_filter = (("read_at", admin.EmptyFieldListFilter), "created_at")
    search_fields = ("subject", "recipient__email", "recipient__full_name")
    ordering = ("-created_at",)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnly, admin.ModelAdmin):
    """Delivery status. Bodies stay hidden: they hold invitation and reset links that would let an admin
    sign in as someone else without a trace."""

    list_display = ("subject", "to", "status", "attempts", "created_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("to", "subject", "dedup_key")
    ordering = ("-created_at",)
    exclude = ("body",)


# Single sign-on providers (allauth's Social applications) with our settings as checked fields.
from dpms import sso_admin  # noqa: E402, F401

# Sign-in identities (allauth's Social accounts): to look at only. Changing a subject here would hand a
# person's account to someone else at the provider without a trace; people unlink their own under their
# account, and the link rules live in dpms/sso.py. Social tokens are not kept (SOCIALACCOUNT_STORE_TOKENS is
# off) and would be secrets: no page for them.
admin.site.unregister(SocialToken)
admin.site.unregister(SocialAccount)


@admin.register(SocialAccount)
class SignInIdentityAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ("user", "provider", "uid", "date_joined", "last_login")
    list_select_related = ("user",)
    list_filter = ("provider",)
    search_fields = ("user__email", "user__full_name", "uid")
    ordering = ("-date_joined",)
    exclude = ("extra_data",)  # the provider's claims about the person: shown to them, not browsed here
