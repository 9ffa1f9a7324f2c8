"""Pages of follow-ups: the list (mine, my reports', everyone's for officers and auditors), a follow-up's
page with its "no" answer, resolving it, and the CSV of the "no" answers with their follow-ups."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dpms.csvexport import bad_filter, streaming_csv
from dpms.forms import add_service_errors
from dpms.paging import paginate
from policies.forms.followups import FollowUpFilterForm, FollowUpResolveForm
from policies.queries import followups as queries
from policies.queries.documents import policies_for_user
from policies.services import followups as services

PAGE_SIZE = 25


def _filtered(request):
    sees_all = queries.sees_all_follow_ups(request.user)
    filters = FollowUpFilterForm(
        request.GET or None, sees_all=sees_all, policies=policies_for_user(request.user)
    )
    wanted = filters.filters()
    if not request.GET:
        wanted["scope"] = queries.default_scope(request.user)
    rows = queries.filter_follow_ups(
        queries.follow_ups_for(request.user), user=request.user, now=timezone.now(), **wanted
    )
    return filters, rows, sees_all


@login_required
@require_GET
def follow_up_list(request):
    filters, rows, sees_all = _filtered(request)
    page, query = paginate(request, rows, PAGE_SIZE)
    context = {"filters": filters, "page": page, "query": query, "now": timezone.now(), "sees_all": sees_all}
    return render(request, "policies/followups/list.html", context)


@login_required
@require_GET
def follow_up_detail(request, pk):
    follow_up = queries.get_follow_up_for(request.user, pk)
    context = {
        "follow_up": follow_up,
        "answer": follow_up.answer,
        "campaign": follow_up.answer.assignment.campaign,
        "may_resolve": queries.may_resolve(request.user, follow_up),
        "form": FollowUpResolveForm(),
        "overdue": queries.is_overdue(follow_up, timezone.now()),
    }
    return render(request, "policies/followups/detail.html", context)


@login_required
@require_POST
def follow_up_resolve(request, pk):
    follow_up = queries.get_follow_up_for(request.user, pk)
    queries.require_resolve(request.user, follow_up)
    form = FollowUpResolveForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_resolve(
                actor=request.user, follow_up=follow_up, resolution=form.cleaned_data["resolution"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Follow-up resolved; %(name)s is told.") % {"name": follow_up.person})
            return redirect("policies:follow_up_detail", pk=pk)
    context = {
        "follow_up": follow_up,
        "answer": follow_up.answer,
        "campaign": follow_up.answer.assignment.campaign,
        "may_resolve": True,
        "form": form,
        "overdue": queries.is_overdue(follow_up, timezone.now()),
    }
    return render(request, "policies/followups/detail.html", context, status=400)


FOLLOW_UP_CSV_HEADER = [
    "follow_up_id", "status", "person", "email", "team", "manager", "policy", "version", "campaign",
    "question", "answer", "explanation", "answered_at", "due_at", "overdue", "resolved_at", "resolved_by",
    "resolution",
]  # fmt: skip


@login_required
@require_GET
def follow_up_csv(request):
    """The "no" answers with their follow-ups, as the list is filtered (officers and auditors: the register
    of every one, the evidence an auditor asks for)."""
    if not queries.sees_all_follow_ups(request.user):
        raise PermissionDenied(_("The export of every follow-up is for security officers and auditors."))
    filters, rows, _sees_all = _filtered(request)
    if request.GET and not filters.is_valid():
        return bad_filter(filters)
    now = timezone.now()

    def lines():
        for fu in rows.iterator(chunk_size=500):
            answer = fu.answer
            campaign = answer.assignment.campaign
            yield [
                fu.pk, fu.status, fu.person.full_name, fu.person.email, answer.assignment.team_name,
                fu.manager.email if fu.manager else "", campaign.policy.title, campaign.version.number,
                campaign.name, answer.question.text, "no", answer.explanation, answer.answered_at, fu.due_at,
                "yes" if queries.is_overdue(fu, now) else "no", fu.resolved_at,
                fu.resolved_by.email if fu.resolved_by else "", fu.resolution,
            ]  # fmt: skip

    return streaming_csv(name="policy-follow-ups", header=FOLLOW_UP_CSV_HEADER, rows=lines())


urlpatterns = [
    path("follow-ups/", follow_up_list, name="follow_ups"),
    path("follow-ups/export.csv", follow_up_csv, name="follow_ups_csv"),
    path("follow-ups/<int:pk>/", follow_up_detail, name="follow_up_detail"),
    path("follow-ups/<int:pk>/resolve", follow_up_resolve, name="follow_up_resolve"),
]
