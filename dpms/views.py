"""Pages of the foundation: dashboard, audit trail, notifications, invitations, health."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.context_processors import auth as auth_context
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.context_processors import csrf as csrf_context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe
from django.views.defaults import bad_request as django_bad_request

from dpms import audit_csv, audit_rows, health, integrity, notify, queries, services
from dpms import portal as extensions
from dpms.csvexport import bad_filter, streaming_csv
from dpms.forms import (
    AccountPreferencesForm,
    ApiTokenForm,
    AuditFilterForm,
    NotificationPreferencesForm,
    SetPasswordForm,
    WebhookForm,
)
from dpms.middleware import keep_session_as_is, without_session_renewal
from dpms.paging import query_without_page

AUDIT_PAGE_SIZE = 50


@login_required
def dashboard(request):
    """Each role lands on what it owes: their notifications, and the panels the domain apps register. The
    page is a shell: each panel the person may see is a placeholder that loads itself (``dashboard_panel``),
    so no panel's work holds up the page or another panel. Without JavaScript the page offers itself with
    every panel in place (``?panels=inline``): slower, as each panel's work is done before the page leaves."""
    notifications = list(queries.notifications_for_user(request.user)[:10])
    panels = extensions.panels_for(request.user)
    context = {
        "notifications": notifications,
        "panels": panels,
        "shows_health": queries.may_see_system_health(request.user),
    }
    if request.GET.get("panels") == "inline":
        shown = ((panel, panel.context(request)) for panel in panels)
        context["inline_panels"] = [(panel.template, found) for panel, found in shown if found is not None]
    return render(request, "dpms/dashboard.html", context)


@without_session_renewal
@login_required
@require_GET
@never_cache
def dashboard_panel(request, key: str):
    """One dashboard panel, as the fragment that replaces its placeholder; empty when it has nothing to show
    (htmx then swaps the placeholder for nothing). A panel that is not the person's is a 404, as an unknown
    key is: the answer tells nobody which panels other roles have. Rendered with the request's user, perms
    and CSRF token but not the page's context processors (the menu, the unread count): a fragment has no
    header, and each panel's request is one of many."""
    panel = extensions.panel_for(request.user, key)
    if panel is None:
        raise Http404
    panel_context = panel.context(request)
    if panel_context is None:
        return HttpResponse("")
    context = {**auth_context(request), **csrf_context(request), "request": request, "panel": panel_context}
    return HttpResponse(get_template(panel.template).render(context))


def _filtered_audit_events(request, names: queries.AuditNames | None = None):
    events = queries.audit_events_for_user(request.user)
    form = AuditFilterForm(request.GET or None, object_types=names.object_types if names else None)
    if form.is_bound and form.is_valid():
        events = queries.filter_audit_events(events, **form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    return form, events


@login_required
@require_GET
def audit_trail(request):
    queries.audit_events_for_user(request.user)  # refused before the trail's names are read
    names = queries.known_audit_names()
    form, events = _filtered_audit_events(request, names)
    page = queries.audit_page(
        events, before=request.GET.get("before"), after=request.GET.get("after"), size=AUDIT_PAGE_SIZE
    )
    query = query_without_page(request, drop=("before", "after"))
    return render(
        request,
        "dpms/audit_trail.html",
        {
            "form": form,
            "page": page,
            "rows": audit_rows.trail_rows(page.object_list),  # each row worked out once, in Python
            "query": query,
            "actions": names.actions,
            "action_options": audit_rows.action_options(names.actions),
            "verification": queries.latest_audit_verification(),
            "may_verify": queries.may_verify_audit(request.user),
            "checkpoints_note": integrity.checkpoints_note(),
        },
    )


@login_required
@require_GET
def audit_trail_csv(request):
    """Stream the filtered trail as CSV, oldest first, with all the hash covers and the hash: an auditor
    recomputes the chain from it offline and compares it with the checkpoints (``dpms.audit_csv``)."""
    form, events = _filtered_audit_events(request)
    if form.errors:
        return bad_filter(form)
    rows = (audit_csv.export_row(event) for event in events.order_by("sequence").iterator(chunk_size=2000))
    return streaming_csv(name="audit", header=audit_csv.COLUMNS, rows=rows)


@login_required
@require_POST
def audit_verify(request):
    """Verify the whole trail in the background (one run at a time); the trail's page shows its progress."""
    _run, created = integrity.audit_verification_request(actor=request.user)
    if not created:
        messages.info(request, _("A verification of the trail is under way already: its result shows here."))
    return redirect("audit_trail")


@login_required
@require_GET
@without_session_renewal  # polled: not a sign of activity, and no 400 after a sign-out
def audit_verification_progress(request, pk):
    """The verification's partial: htmx polls it every 2 s while the trail is walked, until the result."""
    verification = queries.get_audit_verification_for(request.user, pk)
    note = integrity.checkpoints_note()
    context = {"verification": verification, "may_verify": True, "checkpoints_note": note}
    return render(request, "dpms/_audit_verification.html", context)


@login_required
@require_GET
def notifications(request):
    page = Paginator(queries.notifications_for_user(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "dpms/notifications.html", {"page": page})


@login_required
@require_http_methods(["GET", "POST"])
def notification_open(request, pk):
    """Mark one notification read and follow its link: a plain link in the list (GET, so it opens in a new
    tab too). Only a path inside the portal is followed: a notification must never become an open redirect.
    Without a link to follow, the notification's own page."""
    note = queries.get_notification_for_user(request.user, pk)
    services.notifications_mark_read(user=request.user, ids=[note.pk])
    link = (
        note.link.removeprefix(settings.SITE_URL)
        if note.link.startswith(f"{settings.SITE_URL}/")
        else note.link
    )
    if link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None):
        return redirect(link)
    # No link of its own (a digest of items on different pages, or a plain notice): its own page, each item
    # linked, rather than the list it was opened from.
    return render(request, "dpms/notification_detail.html", {"note": note})


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """Which kinds of notification come by email too, which in the app only (security ones: always both)."""
    kinds = [kind for kind in notify.KINDS if not kind.security]
    initial = {key: "email" if email else "app" for key, email in notify.email_choices(request.user).items()}
    form = NotificationPreferencesForm(request.POST or None, kinds=kinds, initial=initial)
    if request.method == "POST" and form.is_valid():
        notify.preferences_set(user=request.user, emailed=form.emailed())
        messages.success(request, _("Your notification settings are saved."))
        return redirect("notification_preferences")
    always = [kind for kind in notify.KINDS if kind.security] + [notify.OTHER]
    return render(request, "dpms/notification_preferences.html", {"form": form, "always": always})


@login_required
@require_http_methods(["GET", "POST"])
def account_preferences(request):
    """The person's language and time zone; the page after saving is already in the new language."""
    user = request.user
    initial = {"language": user.language, "time_zone": user.time_zone}
    form = AccountPreferencesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.user_set_preferences(
            user=user, language=form.cleaned_data["language"], time_zone=form.cleaned_data["time_zone"]
        )
        if user.language:
            translation.activate(user.language)  # the message below, in the language just chosen
        messages.success(request, _("Your language and time zone are saved."))
        return redirect("account_preferences")
    return render(request, "dpms/account_preferences.html", {"form": form})


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(
        request,
        ngettext("%(count)s notification marked as read.", "%(count)s notifications marked as read.", count)
        % {"count": count},
    )
    return redirect("notifications")


@never_cache
def invitation_accept(request, uidb64, token):
    """Set a first password from an invitation link; a used or expired link says so and offers a reset."""
    User = get_user_model()  # noqa: N806
    try:
        user = User.objects.get(pk=int(force_str(urlsafe_base64_decode(uidb64))), is_active=True)
    except (ValueError, TypeError, OverflowError, User.DoesNotExist):
        user = None
    if user is None or not services.invitation_tokens.check_token(user, token):
        return render(request, "dpms/invitation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.invitation_accept(user=user, token=token, password=form.cleaned_data["password1"])
        except PermissionError:
            return render(request, "dpms/invitation_invalid.html", status=400)
        messages.success(request, _("Your password is set. Please sign in."))
        return redirect("account_login")
    return render(request, "dpms/invitation_accept.html", {"form": form, "invitee": user})


@never_cache
@require_safe
def healthz(request):
    """Public, for monitoring: 200 when the database and the broker answer, every periodic task ran within 3
    of its periods and no email waits in the outbox; else 503 naming what failed (``dpms.health``: names and
    times only, no hosts, URLs or error texts)."""
    report = health.report()
    return JsonResponse(report.as_json(), status=200 if report.ok else 503)


@never_cache
@require_safe
def healthz_web(request):
    """Public, for load balancers: 200 when this web process can serve (its database answers). A stopped
    worker or broker must not take the pages out of rotation: /healthz reports those."""
    if health.database_answers():
        return JsonResponse({"status": "ok"})
    return JsonResponse({"status": "unhealthy", "failed": ["database"]}, status=503)


@login_required
@require_GET
def system_health(request):
    """The officers' view of /healthz, in words; also the dashboard panel (``?panel=1``, loaded by htmx so a
    slow broker never holds up the dashboard)."""
    if not queries.may_see_system_health(request.user):
        raise PermissionDenied(_("System health is for security officers and administrators."))
    report = health.report()
    if request.GET.get("panel"):
        keep_session_as_is(request)  # the dashboard's card, as its panels
        return render(request, "dpms/_health_panel.html", {"report": report})
    return render(request, "dpms/health.html", {"report": report})


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


def forbidden(request, exception=None):
    """The refusal page. A refused change (a POST, say by an auditor who may read the page) is not a page
    one may not see: it says so, and offers the way back to the page the form was on."""
    refused_change = request.method not in ("GET", "HEAD", "OPTIONS")
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    context = {"reason": str(exception or ""), "refused_change": refused_change, "back": back}
    return render(request, "403.html", context, status=403)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (often a page left open past the session): a plain 403."""
    return render(request, "account/csrf_failure.html", status=403)


def _api_problem(request, status: int, title: str, detail: str):
    """An error under /api/ that the REST framework did not answer (no route, a crash): problem details."""
    if not request.path.startswith("/api/"):
        return None
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    return JsonResponse(body, status=status, content_type="application/problem+json")


def bad_request(request, exception=None):
    """A request Django refused before any view (a malformed upload, too many fields)."""
    problem = _api_problem(request, 400, "The request is not valid", "The request could not be read.")
    return problem or django_bad_request(request, exception)


def not_found(request, exception=None):
    problem = _api_problem(request, 404, "Not found", "No such address in the API.")
    return problem or render(request, "404.html", status=404)


def server_error(request):
    problem = _api_problem(request, 500, "Server error", "Something went wrong; it was logged.")
    return problem or render(request, "500.html", status=500)


# --- Personal access tokens for the API ---------------------------------------------------------------------
def _tokens_page(request, form, created_text=""):
    tokens = queries.api_tokens_for_user(request.user).order_by("-created_at", "-id")
    page = Paginator(tokens, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "created_text": created_text,
        "sees_everyone": queries.may_manage_all_api_tokens(request.user),
        "now": timezone.now(),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dpms/api_tokens.html", context, status=status)


@login_required
def api_tokens(request):
    """Your API tokens (a security officer's: everyone's), and a form for a new one, whose text is shown once,
    on the answer to the form, and never again."""
    max_days = settings.API_TOKEN_MAX_DAYS
    if request.method == "POST":
        form = ApiTokenForm(request.POST, max_days=max_days)
        if form.is_valid():
            data = form.cleaned_data
            token, text = services.api_token_create(
                actor=request.user,
                name=data["name"],
                days=data["days"],
                read_only=not data["read_write"],
                allowed_networks=data["allowed_networks"],
            )
            return _tokens_page(request, ApiTokenForm(max_days=max_days), created_text=text)
        return _tokens_page(request, form)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _tokens_page(request, ApiTokenForm(max_days=max_days))


@login_required
@require_POST
def api_token_revoke(request, pk):
    token = queries.api_token_for_user(request.user, pk)
    services.api_token_revoke(actor=request.user, token=token)
    messages.success(
        request, _("The token “%(name)s” is revoked: it no longer works.") % {"name": token.name}
    )
    return redirect("api_tokens")


@login_required
@require_GET
def api_token_requests(request, pk):
    """A token's writes: method, path, status, time, address, each with the audit events it caused."""
    token = get_object_or_404(queries.api_tokens_for_audit(request.user), pk=pk)
    requests_ = queries.api_requests_for_token(request.user, token)
    page = Paginator(requests_, 50).get_page(request.GET.get("page"))
    events = queries.audit_events_for_requests(page.object_list)
    for row in page.object_list:
        row.events = events.get(row.request_id, [])
    return render(request, "dpms/api_token_requests.html", {"token": token, "page": page})


# --- Outgoing webhooks (security officers) ------------------------------------------------------------------
@login_required
def webhooks(request):
    """The webhooks and a form for a new one."""
    hooks = queries.webhooks_for_user(request.user)
    form = WebhookForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            hook = services.webhook_create(
                actor=request.user, name=data["name"], url=data["url"], events=data["events"]
            )
            messages.success(
                request,
                _("The webhook “%(name)s” is on. Give its secret to the receiver.") % {"name": hook.name},
            )
            return redirect("webhook_detail", pk=hook.pk)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "dpms/webhooks.html", {"hooks": list(hooks), "form": form}, status=status)


@login_required
def webhook_detail(request, pk):
    """One webhook: its settings (changed here), its secret, and its delivery log."""
    hook = get_object_or_404(queries.webhooks_for_user(request.user), pk=pk)
    initial = {"name": hook.name, "url": hook.url, "events": hook.events, "enabled": hook.enabled}
    form = WebhookForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            services.webhook_update(
                actor=request.user,
                hook=hook,
                name=data["name"],
                url=data["url"],
                events=data["events"],
                enabled=data["enabled"],
            )
            messages.success(request, _("The webhook is saved."))
            return redirect("webhook_detail", pk=hook.pk)
    elif request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    page = Paginator(queries.webhook_deliveries(hook), 50).get_page(request.GET.get("page"))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "dpms/webhook_detail.html", {"hook": hook, "form": form, "page": page}, status=status
    )


@login_required
@require_POST
def webhook_rotate_secret(request, pk):
    hook = get_object_or_404(queries.webhooks_for_user(request.user), pk=pk)
    services.webhook_rotate_secret(actor=request.user, hook=hook)
    messages.success(request, _("The webhook has a new secret: give it to the receiver."))
    return redirect("webhook_detail", pk=hook.pk)


@login_required
@require_POST
def webhook_delete(request, pk):
    hook = get_object_or_404(queries.webhooks_for_user(request.user), pk=pk)
    services.webhook_delete(actor=request.user, hook=hook)
    messages.success(request, _("The webhook “%(name)s” is removed.") % {"name": hook.name})
    return redirect("webhooks")
