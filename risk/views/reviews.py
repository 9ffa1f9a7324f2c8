"""Pages of the risk app: recording a periodic review, the review round, and the dashboard panel."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from dpms.formats import show_date
from dpms.forms import add_service_errors
from dpms.paging import paginate
from risk.forms.reviews import ReviewForm, RoundForm
from risk.queries import reviews as queries
from risk.services.reviews import assessment_record

PAGE_SIZE = 50


def _next_url(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def review_record(request, pk):
    """The owner, a delegated editor or a security officer records a review with the scores after it."""
    risk = queries.get_risk_to_review(request.user, pk)
    form = ReviewForm(request.POST or None, risk=risk)
    if request.method == "POST" and form.is_valid():
        try:
            assessment = assessment_record(risk=risk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                gettext("Review of %(reference)s recorded; next review %(day)s.")
                % {"reference": risk.reference, "day": show_date(assessment.next_review_on)},
            )
            return redirect(_next_url(request, reverse("risk:risk", args=[risk.pk])))
    context = {
        "risk": risk,
        "form": form,
        "recent_reviews": queries.recent_assessments(risk),
        "next": _next_url(request, ""),
    }
    return render(request, "risk/reviews/record.html", context, status=400 if form.is_bound else 200)


@login_required
@require_GET
def review_round(request):
    """Security officers work through the risks due in a period (and the overdue ones); auditors read it."""
    queries.check_round_access(request.user)
    today = timezone.localdate()
    form = RoundForm(request.GET, today=today)
    if form.is_valid():
        data = form.cleaned_data
        risks = queries.round_risks(
            today=today, start=data["start"], end=data["end"], overdue=data["overdue"], q=data["q"]
        )
        sort = data["sort"]
    else:
        risks, sort = queries.reviewable_risks().none(), "date"
    page, query = paginate(request, queries.round_for_list(risks, sort=sort), PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "counts": queries.round_counts(risks, today=today),
        "query": query,
        "today": today,
        "can_record": queries.may_record_from_round(request.user),
        "here": request.get_full_path(),
    }
    return render(request, "risk/reviews/round.html", context)


def review_panel(request):
    """Dashboard panel: overdue reviews and those due within 14 days; all risks for security officers and
    auditors, their own for owners (nothing shown to an owner with none). 1 or 2 queries."""
    user = request.user
    today = timezone.localdate()
    everything = queries.can_see_round(user)
    counts = queries.due_counts(user, today=today, everything=everything)
    if everything:
        link, lines = reverse("risk:review_round"), []
    elif counts["overdue"] or counts["due"]:
        link = ""
        lines = [
            {
                "text": gettext("%(reference)s %(title)s: due %(day)s")
                % {"reference": risk.reference, "title": risk.title, "day": show_date(risk.next_review_on)},
                "link": reverse("risk:review_record", args=[risk.pk]),
            }
            for risk in queries.own_due_risks(user, today=today)
        ]
    else:
        return None
    return {
        "title": gettext("Risk reviews") if everything else gettext("Your risk reviews"),
        "count": counts["overdue"] + counts["due"],
        "overdue": counts["overdue"],
        "due": counts["due"],
        "due_days": queries.DUE_SOON_DAYS,
        "lines": lines,
        "link": link,
        "link_label": gettext("Open the review round"),
    }


urlpatterns = [
    path("review-round/", review_round, name="review_round"),
    path("<int:pk>/review/", review_record, name="review_record"),
]
