"""Single sign-on configuration: the OpenID Connect presets, the checks of a provider's settings, and
``SSO_PROVIDERS`` turned into allauth's ``SOCIALACCOUNT_PROVIDERS``.

No models are imported here: ``dpms/settings.py`` reads ``SSO_PROVIDERS`` through this module at start-up,
and the admin's form (``dpms/sso_admin.py``) checks an admin's provider with the same rules.

A provider's settings, kept in allauth's ``SocialApp.settings`` (JSON) whichever way it was configured:

``server_url``        the issuer; allauth reads ``<issuer>/.well-known/openid-configuration`` (discovery)
``oauth_pkce_enabled`` always true: PKCE on every authorisation request
``preset``            ``google``, ``okta`` or ``oidc`` (any provider by its issuer)
``allowed_domains``   the email domains whose people may be linked (or created) at their first SSO sign-in
``jit``               just-in-time creation of people nobody invited (off unless set)
``team_claim``        the ID token / userinfo claim naming the team a just-in-time person joins
"""

import json
import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext

GOOGLE_ISSUER = "https://accounts.google.com"
PRESETS = {"google": "Google", "okta": "Okta", "oidc": "OpenID Connect"}
# Loopback issuers may use plain HTTP (a provider started by the tests, or one on the same machine).
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}
PROVIDER_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
DOMAIN_RE = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
CLAIM_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
ENV_KEYS = {"id", "name", "preset", "issuer", "tenant", "client_id", "secret", "allowed_domains", "jit",
            "team_claim"}  # fmt: skip


class ProviderSettingsError(ValueError):
    """A provider's settings break a rule; ``errors`` maps each setting to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        super().__init__("; ".join(f"{key}: {message}" for key, message in errors.items()))


def check_issuer(url: str) -> str:
    """The issuer URL without a trailing slash; HTTPS, or HTTP on a loopback host. Raises ValueError."""
    url = (url or "").strip().rstrip("/")
    parts = urlsplit(url)
    if not parts.netloc or parts.query or parts.fragment:
        raise ValueError(gettext("Give the issuer as a URL such as https://login.example.com."))
    if parts.scheme != "https" and not (parts.scheme == "http" and parts.hostname in LOOPBACK_HOSTS):
        raise ValueError(
            gettext("The issuer must use https:// (plain http only on this machine: 127.0.0.1).")
        )
    if "/.well-known/" in url:
        raise ValueError(gettext("Give the issuer itself, without /.well-known/openid-configuration."))
    return url


def issuer_for(preset: str, *, issuer: str = "", tenant: str = "") -> str:
    """The issuer of a preset: Google's is known; Okta's is the tenant's URL (``https://acme.okta.com``, or
    a custom authorisation server such as ``https://acme.okta.com/oauth2/default``); any other provider
    gives its issuer."""
    if preset == "google":
        return GOOGLE_ISSUER
    if preset == "okta":
        return check_issuer(tenant or issuer)
    return check_issuer(issuer)


def clean_settings(
    *, preset: str, issuer: str = "", tenant: str = "", allowed_domains=(), jit=False, team_claim: str = ""
) -> dict:
    """A provider's ``SocialApp.settings``, checked. Raises ``ProviderSettingsError`` naming each setting
    that is wrong."""
    errors: dict[str, str] = {}
    server_url = ""
    if preset not in PRESETS:
        errors["preset"] = gettext("Choose one of %(presets)s.") % {"presets": ", ".join(PRESETS)}
    else:
        try:
            server_url = issuer_for(preset, issuer=issuer, tenant=tenant)
        except ValueError as error:
            errors["tenant" if preset == "okta" else "issuer"] = str(error)
    if isinstance(allowed_domains, str) or not all(isinstance(d, str) for d in allowed_domains):
        errors["allowed_domains"] = 'Give a list of email domains, such as ["example.com"].'
        domains: list[str] = []
    else:
        domains = sorted({d.strip().lower().lstrip("@") for d in allowed_domains if d.strip()})
        wrong = [d for d in domains if not DOMAIN_RE.match(d)]
        if wrong:
            errors["allowed_domains"] = gettext("Not an email domain: %(domains)s.") % {
                "domains": ", ".join(wrong)
            }
    if not isinstance(jit, bool):
        errors["jit"] = gettext("Give true or false.")
    team_claim = team_claim.strip() if isinstance(team_claim, str) else team_claim
    if not isinstance(team_claim, str) or (team_claim and not CLAIM_RE.match(team_claim)):
        errors["team_claim"] = gettext("Give a claim name such as department (letters, digits, _ . : -).")
    if errors:
        raise ProviderSettingsError(errors)
    return {
        "server_url": server_url,
        "oauth_pkce_enabled": True,
        "preset": preset,
        "allowed_domains": domains,
        "jit": jit,
        "team_claim": team_claim,
    }


def _app_from_env(index: int, entry) -> dict:
    where = f"SSO_PROVIDERS[{index}]"
    if not isinstance(entry, dict):
        raise ImproperlyConfigured(f'{where} must be an object such as {{"id": "okta", ...}}.')
    unknown = sorted(set(entry) - ENV_KEYS)
    if unknown:
        raise ImproperlyConfigured(f"{where} has unknown keys {unknown}; known: {sorted(ENV_KEYS)}.")
    provider_id = entry.get("id")
    if not isinstance(provider_id, str) or not PROVIDER_ID_RE.match(provider_id):
        raise ImproperlyConfigured(f'{where}.id must be a short lower-case name such as "okta".')
    client_id = entry.get("client_id")
    if not isinstance(client_id, str) or not client_id.strip():
        raise ImproperlyConfigured(f"{where} ({provider_id}) needs a client_id.")
    secret = entry.get("secret", "")
    if not isinstance(secret, str):
        raise ImproperlyConfigured(f"{where} ({provider_id}): secret must be text.")
    preset = entry.get("preset", "oidc")
    name = entry.get("name") or (PRESETS.get(preset, "") if preset != "oidc" else "")
    if not isinstance(name, str) or not name.strip():
        raise ImproperlyConfigured(f'{where} ({provider_id}) needs a name, shown as "Sign in with <name>".')
    try:
        settings = clean_settings(
            preset=preset,
            issuer=entry.get("issuer", ""),
            tenant=entry.get("tenant", ""),
            allowed_domains=entry.get("allowed_domains", []),
            jit=entry.get("jit", False),
            team_claim=entry.get("team_claim", ""),
        )
    except ProviderSettingsError as error:
        raise ImproperlyConfigured(f"{where} ({provider_id}): {error}") from None
    return {
        "provider_id": provider_id,
        "name": name.strip(),
        "client_id": client_id.strip(),
        "secret": secret,
        "settings": settings,
    }


def apps_from_env(value: str) -> list[dict]:
    """``SSO_PROVIDERS`` (a JSON list of providers) as allauth's ``APPS`` entries; a malformed value stops
    the start with a message naming the entry and the key at fault."""
    if not value.strip():
        return []
    try:
        entries = json.loads(value)
    except json.JSONDecodeError as error:
        raise ImproperlyConfigured(f"SSO_PROVIDERS is not valid JSON ({error}); see the README.") from None
    if not isinstance(entries, list):
        raise ImproperlyConfigured('SSO_PROVIDERS must be a JSON list of providers: [{"id": ...}, ...].')
    apps = [_app_from_env(index, entry) for index, entry in enumerate(entries)]
    ids = [app["provider_id"] for app in apps]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ImproperlyConfigured(f"SSO_PROVIDERS names the id {duplicates} more than once.")
    return apps


def socialaccount_providers(value: str) -> dict:
    """allauth's ``SOCIALACCOUNT_PROVIDERS``: the environment's providers, with PKCE on for every provider
    (also those added in the admin)."""
    return {"openid_connect": {"OAUTH_PKCE_ENABLED": True, "APPS": apps_from_env(value)}}
