"""The officers' pages of the disclosure intake: the reports from outside (each with its vulnerability, its
incident and the state of the reporter's link), revoking a link, moving a report to the system it is about,
and editing the disclosure policy shown on the public form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dpms.forms import add_service_errors
from dpms.paging import paginate
from vulnerabilities.forms.disclosures import DisclosureMoveForm, DisclosurePolicyForm
from vulnerabilities.queries import disclosures as queries
from vulnerabilities.queries.imports import importable_systems
from vulnerabilities.services import disclosures as services

PAGE_SIZE = 25


@login_required
@require_GET
def disclosure_list(request):
    rows = queries.disclosures_for_user(request.user)
    page, query = paginate(request, rows, PAGE_SIZE)
    context = {
        "page": page,
        "query": query,
        "may_act": queries.may_revoke_link(request.user),
        # Listed once for every row's move menu (read once, whatever the number of rows).
        "systems": list(importable_systems(request.user)) if queries.may_revoke_link(request.user) else [],
    }
    return render(request, "vulnerabilities/disclosures/list.html", context)


@login_required
@require_POST
def disclosure_revoke(request, pk):
    disclosure = queries.get_disclosure_for_user(request.user, pk)
    queries.require(
        queries.may_revoke_link(request.user), _("Only security officers revoke a reporter's link.")
    )
    try:
        services.disclosure_revoke_link(actor=request.user, disclosure=disclosure)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            _("The reporter's link of %(reference)s is revoked.")
            % {"reference": disclosure.vulnerability.reference},
        )
    return redirect("vulnerabilities:disclosures")


@login_required
@require_POST
def disclosure_move(request, pk):
    disclosure = queries.get_disclosure_for_user(request.user, pk)
    queries.require(queries.may_revoke_link(request.user), _("Only security officers move a report."))
    form = DisclosureMoveForm(request.POST, systems=importable_systems(request.user))
    if form.is_valid():
        try:
            services.disclosure_move(
                actor=request.user, disclosure=disclosure, system=form.cleaned_data["system"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request, f"{disclosure.vulnerability.reference} is now on {form.cleaned_data['system']}."
            )
    else:
        messages.error(request, _("Choose a system of the register."))
    return redirect("vulnerabilities:disclosures")


@login_required
@require_http_methods(["GET", "POST"])
def disclosure_policy(request):
    queries.require(
        queries.may_edit_disclosure_policy(request.user),
        _("Only security officers edit the disclosure policy."),
    )
    policy = queries.disclosure_policy()
    form = DisclosurePolicyForm(request.POST or None, initial={"text": policy.text})
    if request.method == "POST" and form.is_valid():
        try:
            services.disclosure_policy_update(actor=request.user, text=form.cleaned_data["text"])
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The disclosure policy is saved: the report page shows it now."))
            return redirect("vulnerabilities:disclosure_policy")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request, "vulnerabilities/disclosures/policy.html", {"form": form, "policy": policy}, status=status
    )


urlpatterns = [
    path("disclosures/", disclosure_list, name="disclosures"),
    path("disclosures/policy/", disclosure_policy, name="disclosure_policy"),
    path("disclosures/<int:pk>/revoke", disclosure_revoke, name="disclosure_revoke"),
    path("disclosures/<int:pk>/move", disclosure_move, name="disclosure_move"),
]
