"""DPMS settings: one module, every value from the environment (django-environ).

With nothing set beyond ``DEBUG=true`` (which ``make run`` and ``make test`` write to the ignored ``.env``)
it runs for development: SQLite in ``data/``, Celery on a filesystem transport, email to the console.
Production sets ``DEBUG=false``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``, ``REDIS_URL`` and
``EMAIL_URL``; see the README for the full list.
"""

import re
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from dpms import sso_config

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# The environment wins over the file; everything below, DPMS_DATA_DIR included, is read after it.
environ.Env.read_env(env.str("DPMS_ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DATA_DIR = Path(env.str("DPMS_DATA_DIR", default=str(BASE_DIR / "data")))

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Production (DEBUG=false) needs a long random SECRET_KEY in the "
            "environment, for example from: python -c 'import secrets; print(secrets.token_urlsafe(50))'. "
            "For development, set DEBUG=true (make run does this for you)."
        )
    SECRET_KEY = "dev-only-insecure-key-" + "x" * 40  # noqa: S105 - only ever used with DEBUG=true

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    # First, so its management commands win: dpms's createsuperuser checks the password policy on every path.
    "dpms",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.usersessions",
    # Single sign-on through OpenID Connect providers (dpms/sso.py) and multi-factor (dpms/mfa.py).
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "allauth.mfa",
    "guardian",
    "django_htmx",
    "csp",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from static/
    "access",
    "risk",
    "incidents",
    "directory",
    "vulnerabilities",
    "policies",
]

MIDDLEWARE = [
    "dpms.middleware.RequestIdMiddleware",
    "dpms.middleware.AuditForbiddenMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After the static files (they keep their long caching), before anything that may answer a signed-in
    # browser (the 413, the session cookie): nothing personal is kept by a browser or a proxy.
    "dpms.middleware.NoStoreMiddleware",
    "dpms.middleware.UploadSizeLimitMiddleware",
    "dpms.middleware.SessionMiddleware",  # Django's; a page's fragments do not save it again
    # Before all that may send to sign in: a part of a page (htmx) sent there takes its whole page.
    "dpms.middleware.HtmxSignInMiddleware",
    # The browser's language (Accept-Language) until a signed-in person's own choice replaces it.
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "dpms.middleware.LanguageMiddleware",  # the person's own language, over the browser's (after auth)
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "dpms.middleware.SessionLifetimeMiddleware",
    # After the session lifetime: a person who must have a second factor reaches only enrolment until then.
    "dpms.mfa.MFAGateMiddleware",
    "dpms.middleware.TimezoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # SSO-only mode's refusal of password POSTs; the providers in the CSP's form-action (after csp's
    # middleware, so it sees the response first). dpms/sso.py.
    "dpms.sso.SingleSignOnMiddleware",
]

# Forms draw their common widgets in Python, the same HTML as Django's templates (dpms/renderers.py).
FORM_RENDERER = "dpms.renderers.WidgetRenderer"
ROOT_URLCONF = "dpms.urls"
WSGI_APPLICATION = "dpms.wsgi.application"
ASGI_APPLICATION = "dpms.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
                "dpms.context_processors.portal",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------------------
# SQLite is the embedded default: WAL, a busy timeout and IMMEDIATE transactions let the web process and
# the Celery worker share one file without "database is locked".
DATA_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'dpms.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
    # A file, not memory, so the live server, the Celery test worker and the tests share one database.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "dpms.User"

# --- Cache, broker ------------------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    # Rate limits live in the cache, so every web process must share it: Redis in production.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="dpms"),
            # A Redis that accepts connections but never answers must not hang a web request.
            "OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5},
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery (read by dpms/celery.py under the CELERY namespace) ----------------------------------------
# Without Redis: the filesystem transport that writes each message whole (dpms/filesystem_broker.py).
CELERY_BROKER_URL = REDIS_URL or "dpms-filesystem://"
BROKER_DIR = Path(env.str("CELERY_BROKER_DIR", default=str(DATA_DIR / "broker")))
if not REDIS_URL:
    for _sub in ("queue", "processed", "control"):
        (BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "store_processed": False,
        "control_folder": str(BROKER_DIR / "control"),
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # A message taken and never acknowledged (its worker's host lost) goes to another worker after this
        # long: above the hard time limit and the longest retry countdown (an hour), or a retry waiting in a
        # worker would be handed to a second one. What it held is in the database, and the sweeps resend it.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=7200),
        # Bounded waits: an enqueue after commit must not hang a request when Redis stalls; the outbox
        # sweep picks up what could not be enqueued.
        "socket_connect_timeout": 5,
        "socket_timeout": 10,
    }
# One connection attempt when publishing (dpms/enqueue.py): kombu's default retries for 4 seconds.
CELERY_BROKER_TRANSPORT_OPTIONS["max_retries"] = 0
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = env.int("CELERY_TASK_SOFT_TIME_LIMIT", default=240)
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=300)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker waits for the broker as long as it is gone (Celery gives up after 100 attempts, about 45 minutes)
# and carries on once it is back; the worker command leaves out gossip, mingle and heartbeat (deploy/worker).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULER = "dpms.celery:TickScheduler"  # every app's tick, as the app registered it
# Every tick's period and the outbox sweep's, times this (the fault tests run them 50 times as often).
DPMS_TICK_SCALE = env.float("DPMS_TICK_SCALE", default=1.0)

# --- Authentication -----------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "allauth.account.auth_backends.AuthenticationBackend",
    "guardian.backends.ObjectPermissionBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "full_name")},
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "dpms.passwords.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "account_login"
NUM_PROXIES = env.int(
    "NUM_PROXIES", default=0
)  # reverse proxies in front of gunicorn that set X-Forwarded-For
LOGIN_REDIRECT_URL = "dashboard"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
ACCOUNT_ADAPTER = "dpms.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 1  # the email is the login; administrators change it, not its owner
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people by email when their password was changed, set or reset
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[DPMS] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if not DEBUG else "http"
USERSESSIONS_TRACK_ACTIVITY = True
# Failed sign-ins: the 6th attempt within 5 minutes is refused for one account from one address; wider
# limits per account (any address) and per address (any account) stop spraying without letting one person's
# typos lock out their colleagues behind the same address. See dpms/adapters.py.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=300)
ACCOUNT_RATE_LIMITS = {
    "login_failed": f"{LOGIN_FAILURE_LIMIT}/{LOGIN_FAILURE_WINDOW_SECONDS}s/key",
    "login_failed_wide": (
        f"{env.int('LOGIN_FAILURE_LIMIT_PER_ADDRESS', default=30)}/{LOGIN_FAILURE_WINDOW_SECONDS}s/ip,"
        f"{env.int('LOGIN_FAILURE_LIMIT_PER_ACCOUNT', default=20)}/{LOGIN_FAILURE_WINDOW_SECONDS}s/key"
    ),
    "reset_password": "20/m/ip,5/m/key",
    "change_password": "5/m/user",
}
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=7)

# --- Single sign-on and multi-factor (dpms/sso.py, dpms/mfa.py) ---------------------------------------
# OpenID Connect providers from the environment (infrastructure as code), beside those an admin adds in the
# Django admin (Social applications): a JSON list of objects, see the README's "Single sign-on".
SSO_PROVIDERS = env.str("SSO_PROVIDERS", default="")
# allauth's providers: those of SSO_PROVIDERS (a malformed value stops the start, naming the entry at fault),
# PKCE on for every one. Our SocialAccountAdapter adds the nonce, the ID token's signature check and the rules
# of linking people (dpms/sso.py).
SOCIALACCOUNT_PROVIDERS = sso_config.socialaccount_providers(SSO_PROVIDERS)
SOCIALACCOUNT_ADAPTER = "dpms.sso.SocialAccountAdapter"
SOCIALACCOUNT_AUTO_SIGNUP = False  # people are linked or created by dpms/sso.py's rules, never a signup form
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never linked by email alone (dpms/sso.py decides)
SOCIALACCOUNT_LOGIN_ON_GET = False  # the sign-in buttons POST, so a link elsewhere cannot start a sign-in
SOCIALACCOUNT_STORE_TOKENS = False
SOCIALACCOUNT_REQUESTS_TIMEOUT = env.int("SSO_REQUESTS_TIMEOUT", default=10)
# Only single sign-on: the password form is gone and password POSTs are refused, except for the break-glass
# accounts below (who must use a second factor; each of their sign-ins notifies the security officers).
SSO_ONLY = env.bool("SSO_ONLY", default=False)
BREAK_GLASS_EMAILS = [email.strip().lower() for email in env.list("BREAK_GLASS_EMAILS", default=[])]
# Whether the identity provider's amr/acr claim saying it asked a second factor counts as ours.
SSO_MFA_TRUST = env.bool("SSO_MFA_TRUST", default=False)
# Portal roles that cannot work without a second factor when they sign in with a password.
MFA_REQUIRED_ROLES = env.list("MFA_REQUIRED_ROLES", default=["security officer", "auditor", "admin"])
# allauth.mfa (dpms/mfa.py): an authenticator app (TOTP, shown as a QR code), recovery codes, and WebAuthn
# security keys and passkeys; a passkey alone signs in (it is two factors: the device and its PIN or face),
# except in SSO-only mode, where the identity provider is the only way in.
MFA_ADAPTER = "dpms.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = not SSO_ONLY
MFA_TOTP_ISSUER = "DPMS"
# One step either side of now (phones drift); a used code is refused for the whole window (allauth keeps it
# in the cache, shared by every web process).
MFA_TOTP_TOLERANCE = 1
# A wrong code uses up the sign-in allowance of the person from that address, as a wrong password does; the
# code that turns an app on is used up too.
MFA_FORMS = {
    "authenticate": "dpms.mfa.AuthenticateForm",
    "reauthenticate": "dpms.mfa.ReauthenticateForm",
    "activate_totp": "dpms.mfa.ActivateTOTPForm",
    # A refused security key or passkey uses up the same allowance.
    "authenticate_webauthn": "dpms.mfa.AuthenticateWebAuthnForm",
    "reauthenticate_webauthn": "dpms.mfa.ReauthenticateWebAuthnForm",
}
# WebAuthn over plain http (runserver, the browser tests' live server on http://localhost): development only.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

# --- Sessions -----------------------------------------------------------------------------------------
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_MAX_HOURS = env.int("SESSION_MAX_HOURS", default=12)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_SAVE_EVERY_REQUEST = True  # every request slides the idle window
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "dpms.views.csrf_failure"  # our 403 page (Django's own has inline styles, refused by CSP)

# --- Security headers ---------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_REDIRECT_EXEMPT = [r"^healthz(/web)?$"]

# --- REST API (/api/v1/, dpms/api/) -------------------------------------------------------------------
# JSON only; a signed-in browser (session, with CSRF) or a personal access token (``Authorization: Bearer``);
# errors as RFC 9457 problem details; cursor pages of at most API_MAX_PAGE_SIZE; throttled per token (or
# person) and per address, in the shared cache (Redis in production).
API_PAGE_SIZE = env.int("API_PAGE_SIZE", default=50)
API_MAX_PAGE_SIZE = 200
API_TOKEN_DEFAULT_DAYS = 90
API_TOKEN_MAX_DAYS = 365
REST_FRAMEWORK = {
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "dpms.api.authentication.TokenAuthentication",
        "dpms.api.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["dpms.api.authentication.TokenScope"],
    "DEFAULT_PAGINATION_CLASS": "dpms.api.conventions.CursorPage",
    "DEFAULT_FILTER_BACKENDS": ["dpms.api.conventions.StrictFilterBackend"],
    "DEFAULT_THROTTLE_CLASSES": [
        "dpms.api.throttles.PersonOrTokenThrottle",
        "dpms.api.throttles.AddressThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "person_or_token": env.str("API_THROTTLE_PER_TOKEN", default="1200/min"),
        "address": env.str("API_THROTTLE_PER_ADDRESS", default="2400/min"),
    },
    "NUM_PROXIES": NUM_PROXIES,  # the same count the audit trail uses for the client's address
    "EXCEPTION_HANDLER": "dpms.api.conventions.problem_details",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "DPMS API",
    "DESCRIPTION": "The data protection management portal's REST API, version 1: the pages' own rules.",
    "VERSION": "1",
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "dpms.api.schema.add_problem_responses",  # every operation documents its problem details
    ],
}

# --- Outgoing webhooks (dpms/webhooks.py) --------------------------------------------------------------
# Only public https addresses unless WEBHOOK_ALLOW_PRIVATE (an internal receiver); retried with backoff; a
# webhook is turned off after WEBHOOK_DISABLE_AFTER_FAILURES deliveries in a row failed for good.
WEBHOOK_ALLOW_PRIVATE = env.bool("WEBHOOK_ALLOW_PRIVATE", default=False)
WEBHOOK_TIMEOUT_SECONDS = env.int("WEBHOOK_TIMEOUT_SECONDS", default=10)
WEBHOOK_MAX_ATTEMPTS = env.int("WEBHOOK_MAX_ATTEMPTS", default=8)
WEBHOOK_RETRY_BASE_SECONDS = env.int("WEBHOOK_RETRY_BASE_SECONDS", default=30)
WEBHOOK_DISABLE_AFTER_FAILURES = env.int("WEBHOOK_DISABLE_AFTER_FAILURES", default=5)

# --- Email --------------------------------------------------------------------------------------------
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="DPMS <dpms@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = 30
OUTBOX_MAX_ATTEMPTS = env.int("OUTBOX_MAX_ATTEMPTS", default=5)
# Wait after the first failed send; it doubles after each further failure, up to an hour.
OUTBOX_RETRY_BASE_SECONDS = env.int("OUTBOX_RETRY_BASE_SECONDS", default=60)

# --- Audit trail checkpoints (dpms/integrity.py) -----------------------------------------------------
# The key that signs the checkpoints (HMAC-SHA-256): from the environment only, never in the database, so
# whoever can write the database cannot forge one. Unset: no checkpoints are written (check --deploy warns).
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default="")
AUDIT_CHECKPOINT_DIR = Path(env.str("AUDIT_CHECKPOINT_DIR", default=str(DATA_DIR / "audit-checkpoints")))
AUDIT_CHECKPOINT_SECONDS = env.int("AUDIT_CHECKPOINT_SECONDS", default=3600)
if AUDIT_CHECKPOINT_SECONDS < 60:
    raise ImproperlyConfigured("AUDIT_CHECKPOINT_SECONDS must be at least 60 (one checkpoint a minute).")
# Its tasks' module: not dpms.tasks, which the outbox imports and the checkpoints mail through the outbox.
CELERY_IMPORTS = ["dpms.integrity_tasks"]

# --- Internationalisation, time -----------------------------------------------------------------------
LANGUAGE_CODE = "en"
# English and German. Each app's catalogue: <app>/locale/de/LC_MESSAGES/django.po, kept by
# `make messages` (dpms/management/commands/messages.py). A person's own choice (their account) wins over
# the browser's Accept-Language, which wins over LANGUAGE_CODE.
LANGUAGES = [("en", "English"), ("de", "Deutsch")]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Berlin")
USE_I18N = True
USE_TZ = True
# One way to write dates per language ("2 Dec 2026"): dpms/formats/<language>/formats.py.
FORMAT_MODULE_PATH = ["dpms.formats"]

# --- Static files -------------------------------------------------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))

# --- Incidents ----------------------------------------------------------------------------------------
# Attachments live outside the web root (nothing serves this folder): a view checks who may see the incident.
INCIDENT_ATTACHMENTS_DIR = Path(env.str("INCIDENT_ATTACHMENTS_DIR", default=str(DATA_DIR / "attachments")))
# Policies: a joiner is asked to acknowledge the policies that apply to them within this many days.
POLICY_JOINER_DAYS = env.int("POLICY_JOINER_DAYS", default=14)
INCIDENT_ATTACHMENT_MAX_BYTES = env.int("INCIDENT_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024)
# A request body above this is refused (413) before it is read: five files at the limit and the form itself.
DATA_UPLOAD_MAX_BYTES = env.int(
    "DATA_UPLOAD_MAX_BYTES", default=5 * INCIDENT_ATTACHMENT_MAX_BYTES + 1024 * 1024
)
DATA_UPLOAD_MAX_NUMBER_FILES = 10
# NIS2 Art. 23: adds the 24-hour early warning and one-month final report clocks to significant incidents.
NIS2_ENABLED = env.bool("NIS2_ENABLED", default=False)

# --- Vulnerability disclosure (/security/report and /.well-known/security.txt, RFC 9116) -----------------
# Where researchers write: a mailto:, https: or tel: URI; empty: the public report form on SITE_URL.
SECURITY_CONTACT = env.str("SECURITY_CONTACT", default="")
if SECURITY_CONTACT and not SECURITY_CONTACT.startswith(("mailto:", "https://", "tel:")):
    raise ImproperlyConfigured("SECURITY_CONTACT must be a mailto:, https:// or tel: URI (RFC 9116 §2.5.3).")
SECURITY_POLICY_URL = env.str("SECURITY_POLICY_URL", default="")  # empty: the report page (it shows it)
SECURITY_ENCRYPTION_URL = env.str("SECURITY_ENCRYPTION_URL", default="")  # an OpenPGP key to write to
SECURITY_PREFERRED_LANGUAGES = env.str("SECURITY_PREFERRED_LANGUAGES", default="en")
# security.txt's Expires is this many days ahead of each request; RFC 9116 asks for less than a year.
SECURITY_TXT_EXPIRES_DAYS = env.int("SECURITY_TXT_EXPIRES_DAYS", default=180)
if not 1 <= SECURITY_TXT_EXPIRES_DAYS <= 365:
    raise ImproperlyConfigured("SECURITY_TXT_EXPIRES_DAYS must be between 1 and 365 (RFC 9116 §2.5.5).")
# The system a report from outside is filed on until triage names the right one; empty: the portal's own.
DISCLOSURE_SYSTEM = env.str("DISCLOSURE_SYSTEM", default="")
# Reports accepted from one address per window (allauth's rate syntax: amount/duration), in the cache.
DISCLOSURE_RATE_LIMIT = env.str("DISCLOSURE_RATE_LIMIT", default="5/1h")
if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", DISCLOSURE_RATE_LIMIT):
    raise ImproperlyConfigured("DISCLOSURE_RATE_LIMIT reads like 5/1h: reports per window (s, m, h or d).")
# A report sent sooner than this after the form was shown is taken for a bot's.
DISCLOSURE_MIN_FILL_SECONDS = env.int("DISCLOSURE_MIN_FILL_SECONDS", default=4)

# --- Guardian -----------------------------------------------------------------------------------------
# guardian's anonymous user exists (inactive, unusable password) so object permissions can be asked of
# anyone; nothing is ever granted to it.
ANONYMOUS_USER_NAME = "anonymous@guardian.invalid"
GUARDIAN_GET_INIT_ANONYMOUS_USER = "dpms.models.get_anonymous_user_instance"
GUARDIAN_RAISE_403 = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
