"""The remediation policy's page: days per severity, when the clock starts, the tightening rule, reminders
and escalation. Officers change it; auditors read it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from vulnerabilities.forms.deadlines import PolicyForm
from vulnerabilities.queries.deadlines import current_policy, may_edit_policy, may_read_policy
from vulnerabilities.services.deadlines import policy_update


@login_required
@require_http_methods(["GET", "POST"])
def policy(request):
    if not may_read_policy(request.user):
        raise PermissionDenied(_("The remediation policy is for security officers and auditors."))
    may_edit = may_edit_policy(request.user)
    if request.method == "POST" and not may_edit:
        raise PermissionDenied(_("Only security officers change the remediation policy."))
    current = current_policy()
    form = PolicyForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        policy_update(actor=request.user, now=timezone.now(), **form.cleaned_data)
        messages.success(request, _("Remediation policy saved; open vulnerabilities' deadlines follow it."))
        return redirect("vulnerabilities:policy")
    if not may_edit:
        for field in form.fields.values():
            field.disabled = True
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "vulnerabilities/deadlines/policy.html",
        {"form": form, "policy": current, "may_edit": may_edit},
        status=status,
    )


urlpatterns = [path("policy", policy, name="policy")]
