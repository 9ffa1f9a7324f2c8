"""Pages of treatment actions: add, edit, set the status, the list of my (or all visible) actions, and the
dashboard panels of overdue actions."""

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
from risk.forms.actions import ActionFilterForm, ActionForm, ActionStatusForm
from risk.queries import actions as queries
from risk.queries.register import get_risk_for_user
from risk.services import actions as services
from risk.services.actions import site_today

PAGE_SIZE = 25


@login_required
def action_new(request, risk_id):
    risk = get_risk_for_user(request.user, risk_id, for_change=True)
    form = ActionForm(request.POST or None, initial={"owner": risk.owner_id})
    if request.method == "POST" and form.is_valid():
        try:
            services.action_create(risk=risk, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Action added."))
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
        "may_set_status": queries.may_set_action_status(request.user, action, may_change_risk=may_change),
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
            services.action_update(action=action, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, gettext("Action saved."))
            return redirect("risk:action_detail", risk_id=risk_id, pk=pk)
    context = {"form": form, "risk": action.risk, "action": action}
    return render(request, "risk/actions/form.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def action_status(request, risk_id, pk):
    action, may_change = queries.get_action_for_user(request.user, risk_id, pk)
    if not queries.may_set_action_status(request.user, action, may_change_risk=may_change):
        raise PermissionDenied("Only the action's owner or the risk's editors set its status.")
    form = ActionStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Choose a status from the list."))
        return redirect("risk:action_detail", risk_id=risk_id, pk=pk)
    services.action_set_status(
        action=action, actor=request.user, status=form.cleaned_data["status"], may_change_risk=may_change
    )
    messages.success(request, gettext("Status saved."))
    return redirect(
        request.POST.get("next") if _is_local(request.POST.get("next")) else services.action_link(action)
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
        "title": gettext("Your overdue risk actions"),
        "count": count,
        "lines": [
            {
                "text": gettext("%(reference)s: %(title)s (due %(day)s)")
                % {"reference": a.risk.reference, "title": a.title, "day": show_date(a.due_on)},
                "link": services.action_link(a),
            }
            for a in overdue[:5]
        ],
        "link": reverse("risk:actions") + "?overdue=on",
        "link_label": gettext("Open my actions"),
    }


def overdue_actions_count_panel(request):
    """Security officers: how many risk actions are overdue across the register (one query)."""
    if not queries.sees_overdue_count(request.user):
        return None
    count = queries.overdue_count(site_today())
    return {
        "title": gettext("Overdue risk actions"),
        "count": count,
        "lines": [],
        "empty": gettext("No risk action is overdue.") if not count else "",
        "link": reverse("risk:actions") + "?scope=all&overdue=on" if count else "",
        "link_label": gettext("Open the list"),
    }


urlpatterns = [
    path("actions/", action_list, name="actions"),
    path("<int:risk_id>/actions/new/", action_new, name="action_new"),
    path("<int:risk_id>/actions/<int:pk>/", action_detail, name="action_detail"),
    path("<int:risk_id>/actions/<int:pk>/edit/", action_edit, name="action_edit"),
    path("<int:risk_id>/actions/<int:pk>/status/", action_status, name="action_status"),
]
