"""Pages of the risk app: treatment actions (add, edit, status, my and overdue actions) and risk acceptances
(ask, approve, reject, revoke, the list awaiting my approval), plus their dashboard panels."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from dpms.forms import add_service_errors
from dpms.paging import paginate
from risk.forms.acceptances import AcceptanceFilterForm, AcceptanceRequestForm, ReasonForm
from risk.forms.actions import ActionFilterForm, ActionForm, ActionStatusForm
from risk.queries import acceptances as queries
from risk.queries.register import get_risk_for_user
from risk.services import acceptances as services
from risk.services import actions as action_services
from risk.services.actions import site_today

PAGE_SIZE = 25


# --- Treatment actions --------------------------------------------------------------------------------------
@login_required
def action_new(request, risk_id):
    risk = get_risk_for_user(request.user, risk_id, for_change=True)
    form = ActionForm(request.POST or None, initial={"owner": risk.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            action_services.action_create(risk=risk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action added.")
            return redirect("risk:risk", pk=risk.pk)
    return render(
        request, "risk/actions/form.html", {"form": form, "risk": risk}, status=400 if form.errors else 200
    )


@login_required
def action_detail(request, risk_id, pk):
    action, may_change = queries.get_action_for_user(request.user, risk_id, pk)
    context = {
        "action": action,
        "may_change": may_change,
        "may_set_status": may_change or action.owner_id == request.user.pk,
        "status_form": ActionStatusForm(initial={"status": action.status}),
        "today": site_today(),
    }
    return render(request, "risk/actions/detail.html", context)


@login_required
def action_edit(request, risk_id, pk):
    action = queries.get_action_for_change(request.user, risk_id, pk)
    initial = {"title": action.title, "description": action.description, "owner": action.owner_id}
    form = ActionForm(request.POST or None, initial=initial | {"due_on": action.due_on})
    if request.method == "POST" and form.is_valid():
        try:
            action_services.action_update(action=action, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Action saved.")
            return redirect("risk:action_detail", risk_id=risk_id, pk=pk)
    context = {"form": form, "risk": action.risk, "action": action}
    return render(request, "risk/actions/form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def action_status(request, risk_id, pk):
    action, may_change = queries.get_action_for_user(request.user, risk_id, pk)
    if not may_change and action.owner_id != request.user.pk:
        raise PermissionDenied("Only the action's owner or the risk's editors set its status.")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a status from the list.")
        return redirect("risk:action_detail", risk_id=risk_id, pk=pk)
    action_services.action_set_status(
        action=action, actor=request.user, status=form.cleaned_data["status"], may_change_risk=may_change
    )
    messages.success(request, "Status saved.")
    return redirect(
        request.POST.get("next")
        if _is_local(request.POST.get("next"))
        else action_services.action_link(action)
    )


def _is_local(url) -> bool:
    return bool(url) and url.startswith("/") and not url.startswith("//")


@login_required
def action_list(request):
    filters = ActionFilterForm(request.GET or None)
    wanted = filters.filters()
    mine = request.user if wanted.pop("scope") == "mine" else None
    actions = queries.filter_actions(
        queries.actions_for_user(request.user), today=site_today(), mine=mine, **wanted
    )
    page, query = paginate(request, actions, PAGE_SIZE)
    context = {"filters": filters, "page": page, "query": query, "today": site_today()}
    return render(request, "risk/actions/list.html", context)


# --- Acceptances --------------------------------------------------------------------------------------------
@login_required
def acceptance_new(request, risk_id):
    risk = get_risk_for_user(request.user, risk_id)
    if risk.owner_id != request.user.pk:
        raise PermissionDenied("Only the risk's owner asks for its acceptance.")
    form = AcceptanceRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            acceptance = services.acceptance_request(risk=risk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, "Your request is with the approvers.")
            return redirect(services.acceptance_link(acceptance))
    context = {"form": form, "risk": risk, "latest": services.latest_expiry(site_today())}
    return render(request, "risk/acceptances/new.html", context, status=400 if form.errors else 200)


def _detail(request, acceptance, *, reject_form=None, revoke_form=None, status=200):
    user = request.user
    context = {
        "acceptance": acceptance,
        "risk": acceptance.risk,
        "needed": services.approvals_needed(acceptance),
        "my_approval": services.approval_for(acceptance, user),
        "may_reject": queries.can_reject(user, acceptance),
        "may_revoke": queries.can_revoke(user, acceptance),
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
    messages.success(request, "Approved.")
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
    done = "Rejected; the owner has been told why."
    return _decide_with_reason(request, risk_id, pk, services.acceptance_reject, "reject_form", done)


@login_required
@require_POST
def acceptance_revoke(request, risk_id, pk):
    done = "Revoked; the risk is open again."
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


# --- Dashboard panels ---------------------------------------------------------------------------------------
def my_overdue_actions_panel(request):
    """Your overdue risk actions (two queries: count and the first five; not shown when there are none)."""
    overdue = queries.filter_actions(
        queries.actions_for_user(request.user), today=site_today(), mine=request.user, overdue=True
    )
    count = overdue.count()
    if not count:
        return None
    return {
        "title": "Your overdue risk actions",
        "count": count,
        "lines": [
            {
                "text": f"{a.risk.reference}: {a.title} (due {a.due_on:%Y-%m-%d})",
                "link": action_services.action_link(a),
            }
            for a in overdue[:5]
        ],
        "link": reverse("risk:actions") + "?overdue=on",
        "link_label": "Open my actions",
    }


def overdue_actions_count_panel(request):
    """Security officers: how many risk actions are overdue across the register (one query)."""
    if not request.user.is_security_officer:
        return None
    count = queries.overdue_count(site_today())
    return {
        "title": "Overdue risk actions",
        "count": count,
        "lines": [],
        "empty": "No risk action is overdue." if not count else "",
        "link": reverse("risk:actions") + "?scope=all&overdue=on" if count else "",
        "link_label": "Open the list",
    }


def acceptances_awaiting_panel(request):
    """Acceptances waiting for my approval (security officers and admins; one query when there are none)."""
    if not (request.user.is_security_officer or request.user.is_admin):
        return None
    waiting = list(queries.awaiting_approval(request.user).order_by("requested_at", "pk")[:6])
    if not waiting:
        return None
    return {
        "title": "Risk acceptances waiting for your approval",
        "count": None,
        "lines": [
            {
                "text": f"{a.risk.reference}: until {a.expires_on:%Y-%m-%d}",
                "link": services.acceptance_link(a),
            }
            for a in waiting[:5]
        ],
        "link": reverse("risk:acceptances"),
        "link_label": "Open the list",
    }


urlpatterns = [
    path("actions/", action_list, name="actions"),
    path("acceptances/", acceptance_list, name="acceptances"),
    path("<int:risk_id>/actions/new/", action_new, name="action_new"),
    path("<int:risk_id>/actions/<int:pk>/", action_detail, name="action_detail"),
    path("<int:risk_id>/actions/<int:pk>/edit/", action_edit, name="action_edit"),
    path("<int:risk_id>/actions/<int:pk>/status/", action_status, name="action_status"),
    path("<int:risk_id>/acceptances/new/", acceptance_new, name="acceptance_new"),
    path("<int:risk_id>/acceptances/<int:pk>/", acceptance_detail, name="acceptance_detail"),
    path("<int:risk_id>/acceptances/<int:pk>/approve/", acceptance_approve, name="acceptance_approve"),
    path("<int:risk_id>/acceptances/<int:pk>/reject/", acceptance_reject, name="acceptance_reject"),
    path("<int:risk_id>/acceptances/<int:pk>/revoke/", acceptance_revoke, name="acceptance_revoke"),
]
