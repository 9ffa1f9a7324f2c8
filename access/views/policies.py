"""Pages of the access app: review policies (list, create, detail, edit, enable, disable, launch now)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from access.choices import DefaultDecision
from access.forms.policies import EnableForm, PolicyFilterForm, PolicyForm
from access.queries import campaigns as campaign_queries
from access.queries import policies as queries
from access.services import campaigns as campaign_services
from access.services import policies as services
from dpms.forms import add_service_errors
from dpms.paging import paginate

PAGE_SIZE = 25


@login_required
def policy_list(request):
    filters = PolicyFilterForm(request.GET or None)
    criteria = filters.cleaned_data if filters.is_valid() else {}
    policies = queries.policies_for(request.user, **{k: v for k, v in criteria.items() if v})
    page, query = paginate(request, policies, PAGE_SIZE)
    context = {"filters": filters, "page": page, "query": query}
    context["can_manage"] = campaign_queries.can_manage_campaigns(request.user)
    return render(request, "access/policies/list.html", context)


@login_required
def policy_create(request):
    campaign_queries.require_manage(request.user)
    form = PolicyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(
                actor=request.user,
                values=form.service_values(),
                systems=form.cleaned_data["systems"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Policy created. It launches nothing until you enable it."))
            return redirect("access:policy_detail", pk=policy.pk)
    return render(request, "access/policies/form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def policy_edit(request, pk):
    policy = queries.get_policy_for(request.user, pk, manage=True)
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            services.policy_update(
                actor=request.user,
                policy=policy,
                values=form.service_values(),
                systems=form.cleaned_data["systems"],
                now=timezone.now(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Policy saved."))
            return redirect("access:policy_detail", pk=policy.pk)
    context = {"form": form, "policy": policy}
    return render(request, "access/policies/form.html", context, status=400 if form.errors else 200)


@login_required
def policy_detail(request, pk):
    policy = queries.get_policy_for(request.user, pk)
    context = {
        "policy": policy,
        "systems": queries.policy_systems(policy),
        "campaigns": list(campaign_queries.campaigns_for(request.user, policy_id=policy.pk)[:10]),
        "can_manage": campaign_queries.can_manage_campaigns(request.user),
        "now": timezone.now(),
    }
    return render(request, "access/policies/detail.html", context)


@login_required
def policy_enable(request, pk):
    """GET shows what enabling means (for a revoke default: how many grants); POST enables."""
    policy = queries.get_policy_for(request.user, pk, manage=True)
    exposure = queries.revoke_exposure(policy) if policy.default_decision == DefaultDecision.REVOKE else None
    form = EnableForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = form.cleaned_data["confirmed_count"] if form.cleaned_data["confirm"] else None
        try:
            services.policy_enable(
                actor=request.user, policy=policy, now=timezone.now(), confirmed_count=confirmed
            )
        except ValidationError as error:
            add_service_errors(form, error)  # the page shows the current count again: it may have changed
        else:
            messages.success(request, _("Policy enabled: the tick launches its campaigns on schedule."))
            return redirect("access:policy_detail", pk=policy.pk)
    context = {"policy": policy, "form": form, "exposure": exposure}
    return render(request, "access/policies/enable.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def policy_disable(request, pk):
    policy = queries.get_policy_for(request.user, pk, manage=True)
    services.policy_disable(actor=request.user, policy=policy)
    messages.success(request, _("Policy disabled: no further campaigns; running ones carry on."))
    return redirect("access:policy_detail", pk=policy.pk)


@login_required
@require_POST
def policy_launch(request, pk):
    """Launch an ad hoc campaign now; the items are written in the background, the page shows progress."""
    policy = queries.get_policy_for(request.user, pk, manage=True)
    try:
        campaign = campaign_services.campaign_launch_now(actor=request.user, policy=policy)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("access:policy_detail", pk=policy.pk)
    messages.success(request, _("Campaign launched: its items are being written."))
    return redirect("access:campaign_detail", pk=campaign.pk)


urlpatterns = [
    path("policies/", policy_list, name="policies"),
    path("policies/new/", policy_create, name="policy_create"),
    path("policies/<int:pk>/", policy_detail, name="policy_detail"),
    path("policies/<int:pk>/edit/", policy_edit, name="policy_edit"),
    path("policies/<int:pk>/enable/", policy_enable, name="policy_enable"),
    path("policies/<int:pk>/disable/", policy_disable, name="policy_disable"),
    path("policies/<int:pk>/launch/", policy_launch, name="policy_launch"),
]
