"""The public face of the disclosure intake, for people without an account: ``/security/report`` (the
disclosure policy and the report form), the reporter's private tracking page, and
``/.well-known/security.txt`` (RFC 9116). Mounted at the site's root by ``dpms/urls.py`` (namespace
``security``), outside the app's signed-in pages.

Reports are limited per address (``DISCLOSURE_RATE_LIMIT``, in the cache as allauth keeps its sign-in
limits, so every web process shares the count): a report refused for a mistake in the form gives its try
back; one refused as a bot's (the honeypot, sent too fast) does not. Past the limit the answer is a 429 page
saying when to try again.
"""

import datetime

from allauth.core.internal import ratelimit
from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from dpms.forms import add_service_errors
from vulnerabilities.forms.disclosures import AddInformationForm, DisclosureForm
from vulnerabilities.queries import disclosures as queries
from vulnerabilities.services import disclosures as services

app_name = "security"
RATE_ACTIONS = {"report": "disclosure_report", "add": "disclosure_add"}


def _consume(request, action: str):
    """Use one try of the address's allowance; None when it is used up."""
    return ratelimit.consume(
        request,
        app="vulnerabilities",
        action=RATE_ACTIONS[action],
        config={RATE_ACTIONS[action]: settings.DISCLOSURE_RATE_LIMIT},
    )


def _too_many(request):
    window = int(ratelimit.parse_rate(settings.DISCLOSURE_RATE_LIMIT).duration)
    response = render(
        request,
        "vulnerabilities/security/too_many.html",
        {"minutes": max(1, window // 60), "contact": _contact()},
        status=429,
    )
    response["Retry-After"] = str(window)
    return response


def _contact() -> str:
    return settings.SECURITY_CONTACT or settings.SITE_URL + reverse("security:report")


def _private(response):
    """A page whose address is a capability: never kept by a cache, never sent on as a Referer."""
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def report(request):
    """The disclosure policy and the report form; a report sent shows its reference and private link once."""
    policy = queries.disclosure_policy()
    if request.method == "GET":
        form = DisclosureForm()
        return render(request, "vulnerabilities/security/report.html", {"form": form, "policy": policy})
    usage = _consume(request, "report")
    if not usage:
        return _too_many(request)
    form = DisclosureForm(request.POST, request.FILES)
    if form.is_valid():
        data = form.cleaned_data
        try:
            disclosure, token = services.disclosure_submit(
                title=data["title"],
                location=data["location"],
                steps=data["steps"],
                reporter_contact=data["reporter_contact"],
                pgp_key=data["pgp_key"],
                uploads=data["attachments"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            link = settings.SITE_URL + reverse("security:track", args=[token])
            context = {"disclosure": disclosure, "link": link}
            return _private(render(request, "vulnerabilities/security/sent.html", context, status=201))
    if not form.is_spam:
        usage.rollback()  # a mistake in the form is not held against the address
    return render(
        request, "vulnerabilities/security/report.html", {"form": form, "policy": policy}, status=400
    )


@require_http_methods(["GET", "POST"])
def track(request, token):
    """The reporter's page of their report: what they sent, its status changes, and a form to add more. A
    link that is malformed, unknown or revoked is a 404."""
    disclosure = queries.disclosure_for_link(token)
    if disclosure is None:
        raise Http404(_("No such report."))
    posted = request.method == "POST"  # bound even when only files came (their text is then empty)
    form = AddInformationForm(request.POST if posted else None, request.FILES if posted else None)
    status = 200
    if request.method == "POST":
        usage = _consume(request, "add")
        if not usage:
            return _too_many(request)
        if form.is_valid():
            try:
                services.disclosure_add_information(
                    disclosure=disclosure,
                    text=form.cleaned_data["text"],
                    uploads=form.cleaned_data["attachments"],
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                # Back to the page by GET, so reloading it does not send the same information again.
                return _private(redirect(f"{request.path}?added=1"))
        if form.errors:
            usage.rollback()
            status = 400
    context = {
        "disclosure": disclosure,
        "vulnerability": disclosure.vulnerability,
        "changes": queries.status_changes(disclosure),
        "messages_sent": list(disclosure.messages.all()),
        "form": form,
        "added": request.method == "GET" and request.GET.get("added") == "1",
    }
    return _private(render(request, "vulnerabilities/security/track.html", context, status=status))


@require_GET
def security_txt(request):
    """RFC 9116: who to write to, until when this holds, the policy, the languages, and this file's own
    address. Generated from the settings at each request (Expires always ahead, within a year)."""
    expires = timezone.now().replace(microsecond=0) + datetime.timedelta(
        days=settings.SECURITY_TXT_EXPIRES_DAYS
    )
    report_url = settings.SITE_URL + reverse("security:report")
    lines = [
        f"Contact: {settings.SECURITY_CONTACT or report_url}",
        f"Expires: {expires.astimezone(datetime.UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}",
    ]
    if settings.SECURITY_ENCRYPTION_URL:
        lines.append(f"Encryption: {settings.SECURITY_ENCRYPTION_URL}")
    lines += [
        f"Policy: {settings.SECURITY_POLICY_URL or report_url}",
        f"Preferred-Languages: {settings.SECURITY_PREFERRED_LANGUAGES}",
        f"Canonical: {settings.SITE_URL}{reverse('security:txt')}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "max-age=3600"
    return response


urlpatterns = [
    path("security/report", report, name="report"),
    path("security/report/<str:token>", track, name="track"),
    path(".well-known/security.txt", security_txt, name="txt"),
]
