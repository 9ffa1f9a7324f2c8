"""Pages of the access app: access requests (ask, my requests, awaiting my approval, detail, actions)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.choices import RequestStatus
from access.forms.requests import AccessRequestForm, ApproveForm, RejectForm, RequestFilterForm
from access.queries import requests as queries
from access.services import requests as services
from dpms.forms import add_service_errors
from dpms.paging import paginate

PAGE_SIZE = 25


@login_required
def request_new(request):
    form = AccessRequestForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.request_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Your request is on its way to the approvers."))
            return redirect("access:request_detail", pk=created.pk)
    return render(request, "access/requests/new.html", {"form": form})


@login_required
def my_requests(request):
    filters = RequestFilterForm(request.GET or None)
    page, query = paginate(request, queries.my_requests(request.user, **filters.filters()), PAGE_SIZE)
    return render(request, "access/requests/mine.html", {"filters": filters, "page": page, "query": query})


@login_required
def awaiting_approval(request):
    filters = RequestFilterForm(request.GET or None)
    del filters.fields["status"]  # only pending requests wait for approval
    page, query = paginate(request, queries.awaiting_approval(request.user, **filters.filters()), PAGE_SIZE)
    return render(
        request, "access/requests/awaiting.html", {"filters": filters, "page": page, "query": query}
    )


def _detail(request, access_request, officer_ids, *, approve_form=None, reject_form=None, status=200):
    step = queries.step_for_approver(access_request, request.user, officer_ids)
    context = {
        "req": access_request,
        "steps": queries.approval_steps(access_request, officer_ids),
        "my_step": step,
        "over_limit": step is not None and queries.over_privileged_limit(access_request),
        "approve_form": approve_form or ApproveForm(),
        "reject_form": reject_form or RejectForm(),
        "can_withdraw": access_request.status == RequestStatus.PENDING
        and queries.may_withdraw(request.user, access_request),
    }
    return render(request, "access/requests/detail.html", context, status=status)


@login_required
def request_detail(request, pk):
    access_request, officer_ids = queries.get_request_for_user(request.user, pk)
    return _detail(request, access_request, officer_ids)


@login_required
@require_POST
def request_approve(request, pk):
    access_request, officer_ids = queries.get_request_for_user(request.user, pk)
    form = ApproveForm(request.POST)
    form.is_valid()
    try:
        services.request_approve(
            actor=request.user,
            request=access_request,
            confirm_over_limit=form.cleaned_data["confirm_over_limit"],
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _detail(request, access_request, officer_ids, approve_form=form, status=400)
    messages.success(request, _("Approved."))
    return redirect("access:request_detail", pk=pk)


@login_required
@require_POST
def request_reject(request, pk):
    access_request, officer_ids = queries.get_request_for_user(request.user, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services.request_reject(
                actor=request.user, request=access_request, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            add_service_errors(form, error)
    if not form.is_valid():
        return _detail(request, access_request, officer_ids, reject_form=form, status=400)
    messages.success(request, _("Rejected; the requester has been told why."))
    return redirect("access:request_detail", pk=pk)


@login_required
@require_POST
def request_withdraw(request, pk):
    access_request, officer_ids = queries.get_request_for_user(request.user, pk)
    try:
        services.request_withdraw(actor=request.user, request=access_request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _detail(request, access_request, officer_ids, status=400)
    messages.success(request, _("Request withdrawn."))
    return redirect("access:my_requests")


def approval_panel(request):
    """Dashboard panel: requests waiting for this person's approval (nothing shown when there are none)."""
    waiting = queries.awaiting_approval(request.user)
    if not waiting:
        return None
    return {
        "title": _("Access requests waiting for your approval"),
        "count": len(waiting),
        "lines": [
            {"text": f"{r.requested_for}: {r.role}", "link": reverse("access:request_detail", args=[r.pk])}
            for r in waiting[:5]
        ],
        "link": reverse("access:requests_awaiting"),
        "link_label": _("Open the list"),
    }


urlpatterns = [
    path("requests/", my_requests, name="my_requests"),
    path("requests/new/", request_new, name="request_new"),
    path("requests/awaiting/", awaiting_approval, name="requests_awaiting"),
    path("requests/<int:pk>/", request_detail, name="request_detail"),
    path("requests/<int:pk>/approve/", request_approve, name="request_approve"),
    path("requests/<int:pk>/reject/", request_reject, name="request_reject"),
    path("requests/<int:pk>/withdraw/", request_withdraw, name="request_withdraw"),
]
