"""The admin's page for single sign-on providers (allauth's Social applications), with our settings as
fields checked by ``dpms.sso_config.clean_settings``: the preset, the issuer or Okta tenant, the allowed
email domains, just-in-time creation and the team claim. Every change is audited.

Imported by dpms/admin.py. allauth's own admin module is imported first so that its registration of
SocialApp happens here, once, and can be replaced (the autodiscovery later finds the module imported).
"""

import allauth.socialaccount.admin  # noqa: F401 - registers SocialApp, replaced below
from allauth.socialaccount.models import SocialApp
from django import forms
from django.conf import settings
from django.contrib import admin
from django.db import transaction
from django.utils.translation import gettext_lazy

from dpms import audit, sso_config

OUR_KEYS = ("server_url", "oauth_pkce_enabled", "preset", "allowed_domains", "jit", "team_claim")


class ProviderForm(forms.ModelForm):
    """One OpenID Connect provider: what the admin types, checked by the same rules as ``SSO_PROVIDERS``."""

    preset = forms.ChoiceField(
        choices=[
            ("google", "Google"),
            ("okta", "Okta"),
            ("oidc", gettext_lazy("Any OpenID Connect provider (by issuer)")),
        ],
        help_text=gettext_lazy(
            "Google's issuer is known; Okta needs your tenant's URL; any other provider its issuer."
        ),
    )
    issuer = forms.CharField(
        required=False,
        max_length=300,
        help_text=gettext_lazy(
            "Any other provider: its issuer, e.g. https://login.example.com (discovery is read from "
            "<issuer>/.well-known/openid-configuration)."
        ),
    )
    tenant = forms.CharField(
        required=False,
        max_length=300,
        label=gettext_lazy("Okta tenant URL"),
        help_text=gettext_lazy(
            "Okta: e.g. https://acme.okta.com, or a custom authorisation server such as "
            "https://acme.okta.com/oauth2/default."
        ),
    )
    allowed_domains = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy(
            "Email domains (comma or line separated) whose people are linked at their first sign-in, "
            "when the provider says their email is verified. Empty: nobody new is linked."
        ),
    )
    jit = forms.BooleanField(
        required=False,
        label=gettext_lazy("Create people just in time"),
        help_text=gettext_lazy(
            "Create a person nobody invited at their first sign-in (a verified email, allowed domain)."
        ),
    )
    team_claim = forms.CharField(
        required=False,
        max_length=100,
        help_text=gettext_lazy(
            "The claim naming the team of a person created just in time, e.g. department."
        ),
    )

    class Meta:
        model = SocialApp
        fields = ["name", "provider_id", "client_id", "secret"]
        labels = {"provider_id": gettext_lazy("Id"), "name": gettext_lazy("Button name")}
        help_texts = {
            "name": gettext_lazy('Shown as "Sign in with <name>".'),
            "provider_id": gettext_lazy(
                "A short lower-case name, part of the callback URL "
                "/accounts/oidc/<id>/login/callback/ that you register at the provider."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider_id"].required = True
        current = self.instance.settings or {}
        self.initial.setdefault("preset", current.get("preset", "oidc"))
        url = current.get("server_url", "")
        self.initial.setdefault("tenant" if current.get("preset") == "okta" else "issuer", url)
        self.initial.setdefault("allowed_domains", ", ".join(current.get("allowed_domains", [])))
        self.initial.setdefault("jit", current.get("jit", False))
        self.initial.setdefault("team_claim", current.get("team_claim", ""))

    def clean_provider_id(self):
        value = self.cleaned_data["provider_id"].strip()
        if not sso_config.PROVIDER_ID_RE.match(value):
            raise forms.ValidationError(
                gettext_lazy("Use a short lower-case name: letters, digits, - and _.")
            )
        if SocialApp.objects.filter(provider_id=value).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(gettext_lazy("Another provider has this id."))
        from_env = settings.SOCIALACCOUNT_PROVIDERS.get("openid_connect", {}).get("APPS", [])
        if any(app.get("provider_id") == value for app in from_env):
            raise forms.ValidationError(gettext_lazy("A provider from SSO_PROVIDERS has this id."))
        return value

    def clean(self):
        data = super().clean() or {}
        domains = [d for d in (data.get("allowed_domains") or "").replace(",", "\n").split() if d]
        try:
            self.provider_settings = sso_config.clean_settings(
                preset=data.get("preset", ""),
                issuer=data.get("issuer", ""),
                tenant=data.get("tenant", ""),
                allowed_domains=domains,
                jit=bool(data.get("jit")),
                team_claim=data.get("team_claim", ""),
            )
        except sso_config.ProviderSettingsError as error:
            for key, message in error.errors.items():
                self.add_error(key if key in self.fields else None, message)
        return data

    def save(self, commit=True):
        app = super().save(commit=False)
        app.provider = "openid_connect"
        kept = {k: v for k, v in (app.settings or {}).items() if k not in OUR_KEYS}
        app.settings = {**kept, **self.provider_settings}
        if commit:
            app.save()
        return app


class ProviderAdmin(admin.ModelAdmin):
    """Single sign-on providers, kept by portal admins (as every admin page: dpms.admin.PortalAdminOnly, not
    imported here, since dpms/admin.py imports this module)."""

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

    form = ProviderForm
    list_display = ("name", "provider_id", "issuer", "domains")
    fieldsets = [
        (None, {"fields": ["name", "provider_id", "preset", "issuer", "tenant", "client_id", "secret"]}),
        ("Who may sign in", {"fields": ["allowed_domains", "jit", "team_claim"]}),
    ]

    @admin.display(description=gettext_lazy("Issuer"))
    def issuer(self, obj):
        return (obj.settings or {}).get("server_url", "")

    @admin.display(description=gettext_lazy("Allowed domains"))
    def domains(self, obj):
        return ", ".join((obj.settings or {}).get("allowed_domains", []))

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            shown = {k: v for k, v in obj.settings.items() if k in OUR_KEYS}
            audit.record(
                action="sso.provider.change" if change else "sso.provider.add",
                actor=request.user,
                obj=obj,
                changes={"provider_id": obj.provider_id, "client_id": obj.client_id, **shown},
            )

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)  # one at a time, each audited by delete_model
        return actions

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit.record(action="sso.provider.delete", actor=request.user, obj=obj,
                         changes={"provider_id": obj.provider_id})  # fmt: skip
            super().delete_model(request, obj)


admin.site.unregister(SocialApp)
admin.site.register(SocialApp, ProviderAdmin)
