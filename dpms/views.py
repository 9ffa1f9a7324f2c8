"""Pages of the foundation: dashboard, audit trail, notifications, invitations, health."""

import json

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from dpms import audit, health, queries, services
from dpms import portal as extensions
from dpms.csvexport import bad_filter, streaming_csv
from dpms.forms import AuditFilterForm, SetPasswordForm
from dpms.paging import query_without_page

AUDIT_PAGE_SIZE = 50
# What the hash covers, with the kept actor label instead of the id, and the hash itself: checkable offline.
CSV_COLUMNS = (*(field for field in audit.HASHED_FIELDS if field != "actor_id"), "hash")


@login_required
def dashboard(request):
    """Each role lands on what it owes: their notifications, and the panels the domain apps register."""
    notifications = list(queries.notifications_for_user(request.user)[:10])
    panels = extensions.panels_for(request)
    context = {
        "notifications": notifications,
        "panels": panels,
        "shows_health": queries.may_see_system_health(request.user),
    }
    return render(request, "dpms/dashboard.html", context)


def _filtered_audit_events(request):
    events = queries.audit_events_for_user(request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_bound and form.is_valid():
        events = queries.filter_audit_events(events, **form.cleaned_data)
    elif form.is_bound:
        events = events.none()
    return form, events


@login_required
@require_GET
def audit_trail(request):
    form, events = _filtered_audit_events(request)
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
            "query": query,
            "actions": queries.known_audit_actions(),
        },
    )


@login_required
@require_GET
def audit_trail_csv(request):
    """Stream the filtered trail as CSV, oldest first, with the hashes an auditor can check."""
    form, events = _filtered_audit_events(request)
    if form.errors:
        return bad_filter(form)

    def rows():
        for event in events.order_by("sequence").iterator(chunk_size=2000):
            values = [getattr(event, column) for column in CSV_COLUMNS]
            values[7] = json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else ""
            yield values

    return streaming_csv(name="audit", header=CSV_COLUMNS, rows=rows())


@login_required
@require_GET
def notifications(request):
    page = Paginator(queries.notifications_for_user(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "dpms/notifications.html", {"page": page})


@login_required
@require_POST
def notification_open(request, pk):
    """Mark one notification read and follow its link (only a link inside the portal)."""
    note = queries.get_notification_for_user(request.user, pk)
    services.notifications_mark_read(user=request.user, ids=[note.pk])
    # Only a link inside the portal: a notification must never become an open redirect.
    if url_has_allowed_host_and_scheme(
        note.link, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(note.link)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request):
    count = services.notifications_mark_read(user=request.user)
    messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked as read.")
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
        messages.success(request, "Your password is set. Please sign in.")
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
        raise PermissionDenied("System health is for security officers and administrators.")
    report = health.report()
    template = "dpms/_health_panel.html" if request.GET.get("panel") else "dpms/health.html"
    return render(request, template, {"report": report})


def home(request):
    if request.user.is_authenticated:
        return redirect("dashboard")
    return redirect("account_login")


def forbidden(request, exception=None):
    return render(request, "403.html", {"reason": str(exception or "")}, status=403)


def csrf_failure(request, reason=""):
    """A form posted without a valid CSRF token (often a page left open past the session): a plain 403."""
    return render(request, "account/csrf_failure.html", status=403)


def not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    return render(request, "500.html", status=500)
