"""Pages of risk acceptances: ask, approve, reject, revoke, the list awaiting my approval, and the dashboard
panel of acceptances waiting for me."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from dpms.formats import show_date
from dpms.forms import add_service_errors
from dpms.paging import paginate
from risk.forms.acceptances import AcceptanceFilterForm, AcceptanceRequestForm, ReasonForm
from risk.queries import acceptances as queries
from risk.services import acceptances as services
from risk.services.actions import site_today

PAGE_SIZE = 25


@login_required
def acceptance_new(request, risk_id):
    risk = queries.get_risk_to_accept(request.user, risk_id)
    form = AcceptanceRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            acceptance = services.acceptance_request(risk=risk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Your request is with the approvers."))
            return redirect(services.acceptance_link(acceptance))
    context = {"form": form, "risk": risk, "latest": services.latest_expiry(site_today())}
    return render(request, "risk/acceptances/new.html", context, status=400 if form.errors else 200)


def _detail(request, acceptance, *, reject_form=None, revoke_form=None, status=200):
    user = request.user
    context = {
        "acceptance": acceptance,
        # An acceptance the system ended keeps its reason in English; the reader sees it in their language.
        "revocation_reason": gettext(acceptance.revocation_reason) if acceptance.revocation_reason else "",
        "risk": acceptance.risk,
        "needed": queries.approvals_needed(acceptance),
        "my_approval": queries.approval_for(acceptance, user),
        "may_reject": queries.can_reject(user, acceptance),
        "may_revoke": queries.can_revoke(user, acceptance),
        "may_list": queries.may_list_acceptances(user),
        "reject_form": reject_form or ReasonForm(),
        "revoke_form": revoke_form or ReasonForm(),
    }
    return render(request, "risk/acceptances/detail.html", context, status=status)


@login_required
def acceptance_detail(request, risk_id, pk):
    return _detail(request, queries.get_acceptance_for_user(request.user, risk_id, pk))


@login_required
@require_POST
def acceptance_approve(request, risk_id, pk):
    acceptance = queries.get_acceptance_for_user(request.user, risk_id, pk)
    try:
        services.acceptance_approve(acceptance=acceptance, actor=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(request, acceptance, status=400)
    messages.success(request, gettext("Approved."))
    return redirect(services.acceptance_link(acceptance))


def _decide_with_reason(request, risk_id, pk, service, form_name: str, done: str):
    acceptance = queries.get_acceptance_for_user(request.user, risk_id, pk)
    form = ReasonForm(request.POST)
    if form.is_valid():
        try:
            service(acceptance=acceptance, actor=request.user, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            add_service_errors(form, error)
    if not form.is_valid():
        return _detail(request, acceptance, status=400, **{form_name: form})
    messages.success(request, done)
    return redirect(services.acceptance_link(acceptance))


@login_required
@require_POST
def acceptance_reject(request, risk_id, pk):
    done = gettext("Rejected; the owner has been told why.")
    return _decide_with_reason(request, risk_id, pk, services.acceptance_reject, "reject_form", done)


@login_required
@require_POST
def acceptance_revoke(request, risk_id, pk):
    done = gettext("Revoked; the risk is open again.")
    return _decide_with_reason(request, risk_id, pk, services.acceptance_revoke, "revoke_form", done)


@login_required
def acceptance_list(request):
    if not queries.may_list_acceptances(request.user):
        raise PermissionDenied("The acceptances list is for approvers and auditors.")
    filters = AcceptanceFilterForm(request.GET or None)
    wanted = filters.filters()
    if wanted.pop("scope") == "awaiting":
        acceptances = queries.awaiting_approval(request.user)
    else:
        acceptances = queries.acceptances_for_user(request.user)
    page, query = paginate(request, queries.filter_acceptances(acceptances, **wanted), PAGE_SIZE)
    return render(request, "risk/acceptances/list.html", {"filters": filters, "page": page, "query": query})


# --- Dashboard panel ----------------------------------------------------------------------------------------
def acceptances_awaiting_panel(request):
    """Acceptances waiting for my approval (security officers and admins; one query when there are none)."""
    if not queries.may_approve_acceptances(request.user):
        return None
    waiting = queries.awaiting_approval_lines(request.user, 6)
    if not waiting:
        return None
    return {
        "title": gettext("Risk acceptances waiting for your approval"),
        "count": None,
        "lines": [
            {
                "text": gettext("%(reference)s: until %(day)s")
                % {"reference": a.risk.reference, "day": show_date(a.expires_on)},
                "link": services.acceptance_link(a),
            }
            for a in waiting[:5]
        ],
        "link": reverse("risk:acceptances"),
        "link_label": gettext("Open the list"),
    }


urlpatterns = [
    path("acceptances/", acceptance_list, name="acceptances"),
    path("<int:risk_id>/acceptances/new/", acceptance_new, name="acceptance_new"),
    path("<int:risk_id>/acceptances/<int:pk>/", acceptance_detail, name="acceptance_detail"),
    path("<int:risk_id>/acceptances/<int:pk>/approve/", acceptance_approve, name="acceptance_approve"),
    path("<int:risk_id>/acceptances/<int:pk>/reject/", acceptance_reject, name="acceptance_reject"),
    path("<int:risk_id>/acceptances/<int:pk>/revoke/", acceptance_revoke, name="acceptance_revoke"),
]
