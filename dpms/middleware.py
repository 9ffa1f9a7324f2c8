"""Request id and origin, the session saved on every request but a page's fragments, the absolute session
lifetime, an audit event for every refused access, no caching of anything personal, each person's time zone
and language, and htmx's parts sent to sign in taking their whole page there."""

import ipaddress
import re
import uuid
from functools import wraps
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.db import transaction
from django.shortcuts import resolve_url
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django_htmx.http import HttpResponseClientRedirect

from dpms.context import origin

REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
SIGNED_IN_AT = "dpms_signed_in_at"


def without_session_renewal(view):
    """For a fragment its page asks for by itself, as it loads (a dashboard panel) or by polling (a progress
    bar): the answer does not save the session again. The page's own request has just renewed its idle
    window (``SESSION_SAVE_EVERY_REQUEST``); a poll is no sign the person is still there; and a save would
    fail, as a 400 in the page, when the person signed out while the fragment was on its way (Django refuses
    to save a session deleted meanwhile). A fragment that changes the session still saves it."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        keep_session_as_is(request)
        return view(request, *args, **kwargs)

    return wrapped


def keep_session_as_is(request) -> None:
    """``without_session_renewal`` for one request, when a view serves a page and its fragment alike."""
    request.renews_session = False


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's, except for the views marked ``without_session_renewal``: their unchanged session is not
    saved (its cookie stays as the page's request set it)."""

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        renews = getattr(request, "renews_session", True)
        if renews or session is None or session.modified or session.is_empty():
            return super().process_response(request, response)
        if session.accessed:
            patch_vary_headers(response, ("Cookie",))
        return response


def client_ip(request) -> str | None:
    """The client's address: REMOTE_ADDR, or the n-th from the right of X-Forwarded-For behind n proxies.

    Normalised (``2001:DB8::0:1`` → ``2001:db8::1``, a zone or port dropped), so what the audit trail hashes
    is what the database stores; anything that is not an address gives None.
    """
    value = request.META.get("REMOTE_ADDR") or ""
    proxies = settings.NUM_PROXIES
    if proxies:
        forwarded = [
            part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
        ]
        if len(forwarded) >= proxies:
            value = forwarded[-proxies]
    return normalise_ip(value)


def normalise_ip(value: str) -> str | None:
    value = (value or "").strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value.split("%", 1)[0]).compressed
    except ValueError:
        return None


class RequestIdMiddleware:
    """Give every request an id (a well-formed incoming X-Request-ID is kept), returned in the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.request_id = incoming if REQUEST_ID_RE.match(incoming) else uuid.uuid4().hex
        source = "api" if request.path.startswith("/api/") else "web"
        with origin(source, request_id=request.request_id, client_ip=client_ip(request)):
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class SessionLifetimeMiddleware:
    """End a session at its absolute lifetime (SESSION_MAX_HOURS), however active it has been.

    The idle timeout is the session cookie age, renewed on every request (SESSION_SAVE_EVERY_REQUEST).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            started = request.session.get(SIGNED_IN_AT)
            now = timezone.now().timestamp()
            if started is None:
                request.session[SIGNED_IN_AT] = now
            elif now - started > settings.SESSION_MAX_HOURS * 3600:
                logout(request)
                messages.info(request, _("Your session reached its maximum lifetime. Please sign in again."))
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class AuditForbiddenMiddleware:
    """Record every refused access (HTTP 403) in the audit trail, including CSRF failures."""

    ANONYMOUS_WINDOW_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and self._worth_recording(request):
            from dpms import audit

            user = getattr(request, "user", None)
            with transaction.atomic():
                audit.record(
                    action="security.access_denied",
                    actor=user if user is not None and user.is_authenticated else None,
                    object_type="url",
                    object_label=request.get_full_path()[:300],
                    changes={"method": request.method},
                )
        return response

    def _worth_recording(self, request) -> bool:
        """Every refusal of a signed-in person is recorded; anonymous refusals (CSRF failures, probes) at most
        once a minute per address, so nobody can flood the append-only trail without signing in."""
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return True
        from django.core.cache import cache

        key = f"audit-403:{client_ip(request) or 'unknown'}"
        return cache.add(key, 1, self.ANONYMOUS_WINDOW_SECONDS)


class TimezoneMiddleware:
    """Show times in the signed-in person's time zone (``User.time_zone``), else the installation's.

    Everything is stored and computed in UTC; only display changes.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import zoneinfo

        from django.utils import timezone as tz

        name = getattr(getattr(request, "user", None), "time_zone", "") or ""
        try:
            tz.activate(zoneinfo.ZoneInfo(name)) if name else tz.deactivate()
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz.deactivate()
        try:
            return self.get_response(request)
        finally:
            tz.deactivate()


class LanguageMiddleware:
    """Pages in the signed-in person's language (``User.language``); with none chosen, the browser's
    (LocaleMiddleware, before this one, has read Accept-Language), else LANGUAGE_CODE.

    The API and the SCIM endpoint answer in English whatever the caller sends: their messages are read by
    scripts and written down in tickets, and one language keeps them comparable. The response says which
    language it is in (``Content-Language``); ``<html lang>`` follows the same active language.
    """

    ENGLISH_ONLY = ("/api/", "/scim/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils import translation

        if request.path_info.startswith(self.ENGLISH_ONLY):
            language = settings.LANGUAGE_CODE
        else:
            user = getattr(request, "user", None)
            chosen = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
            language = chosen if chosen in dict(settings.LANGUAGES) else ""
        if language:
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers["Content-Language"] = translation.get_language()
        return response


class UploadSizeLimitMiddleware:
    """Refuse a request body larger than ``DATA_UPLOAD_MAX_BYTES`` before any of it is read: Django would
    otherwise store every uploaded file on disk first, and only then could a form refuse them. The answer
    is a 413 page saying what is allowed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > settings.DATA_UPLOAD_MAX_BYTES:
            # No request context yet (this runs before sessions and authentication): a standalone page.
            from django.http import HttpResponse
            from django.template.loader import render_to_string

            limit = settings.INCIDENT_ATTACHMENT_MAX_BYTES // (1024 * 1024)
            context = {"limit_mb": limit, "total_mb": settings.DATA_UPLOAD_MAX_BYTES // (1024 * 1024)}
            return HttpResponse(render_to_string("413.html", context), status=413)
        return self.get_response(request)


class NoStoreMiddleware:
    """Tell browsers and proxies to keep nothing personal: ``Cache-Control: private, no-store`` on every
    answer to a signed-in person (API tokens included), on every download (an attachment: CSV exports,
    evidence, incident files, streamed or not), and on every answer that sets a cookie or comes to a browser
    holding a session (an answer refused before authentication runs, like the 413).

    Directives a view set are kept (``never_cache``'s ``no-cache, must-revalidate``); only ``public`` goes.
    Static files are served before this runs (WhiteNoise) and keep their long caching; public pages (the
    sign-in page to a browser without a session, /healthz) are left as their views made them.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if self._personal(request, response):
            patch_cache_control(response, private=True, no_store=True)
        return response

    @staticmethod
    def _personal(request, response) -> bool:
        # Read after the view: the REST framework's token authentication sets request.user only there.
        user = getattr(request, "user", None)
        return bool(
            (user is not None and user.is_authenticated)
            or response.get("Content-Disposition", "").lower().startswith("attachment")
            or response.cookies
            or request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        )


class HtmxSignInMiddleware:
    """A request htmx made for part of a page (a poll, a panel, a row's decision) that is sent to sign in
    (the session ended: idle, its lifetime, a sign-out in another tab) takes the whole page to the sign-in
    page, coming back to that page afterwards (``HX-Redirect``), instead of the sign-in form appearing inside
    the part. Its place is before anything that may send to sign in (the session lifetime, the MFA gate,
    ``login_required``); it reads the htmx headers itself."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.headers.get("HX-Request") != "true" or response.status_code not in (301, 302, 303):
            return response
        location = urlsplit(response.get("Location", ""))
        if location.path != resolve_url(settings.LOGIN_URL):
            return response
        page = self._page(request)
        target = redirect_to_login(page)["Location"] if page else location.path
        return HttpResponseClientRedirect(target)

    @staticmethod
    def _page(request) -> str:
        """The page the part belongs to (``HX-Current-URL``) as a path of this site, or "" when it is another
        site's or unreadable (then the sign-in page leads home)."""
        current = request.headers.get("HX-Current-URL", "")
        if not url_has_allowed_host_and_scheme(
            current, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            return ""
        parts = urlsplit(current)
        return parts.path + (f"?{parts.query}" if parts.query else "") if parts.path.startswith("/") else ""
