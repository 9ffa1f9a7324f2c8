"""Mapping a directory group to a portal role, and the second admin's approval of admins."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from directory.choices import MappedRole
from directory.forms.mappings import DecisionForm, GroupRoleForm
from directory.queries import mappings as queries
from directory.services import mappings as services


@login_required
@require_POST
def group_role(request, pk):
    """Set the portal role a group gives its members."""
    group = queries.group_for(request.user, pk)
    form = GroupRoleForm(request.POST, prefix=f"g{group.pk}")
    if not form.is_valid():
        messages.error(request, gettext("Choose a portal role from the list."))
        return redirect("directory:connection", pk=group.connection_id)
    try:
        services.group_map_role(actor=request.user, group=group, role=form.cleaned_data["role"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        role = form.cleaned_data["role"]
        messages.success(
            request,
            gettext("The group “%(group)s” now gives: %(role)s.")
            % {
                "group": group.display_name,
                "role": MappedRole(role).label if role in MappedRole.values else gettext("no role"),
            },
        )
    return redirect("directory:connection", pk=group.connection_id)


@login_required
@require_GET
def approvals(request):
    """Admin roles a directory group asks for, waiting for a second admin; then the latest decisions."""
    rows = list(queries.approvals_for(request.user)[:200])
    for row in rows:
        row.may_decide = queries.may_decide(request.user, row)
    return render(request, "directory/mappings/approvals.html", {"approvals": rows})


@login_required
@require_POST
def approval_decide(request, pk):
    approval = queries.approval_for(request.user, pk)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Approve or refuse."))
        return redirect("directory:approvals")
    if not queries.may_decide(request.user, approval):
        raise PermissionDenied("A second admin decides: not the one who mapped the group, not the person.")
    try:
        services.admin_approval_decide(
            actor=request.user, approval=approval, approve=form.cleaned_data["decision"] == "approve"
        )
    except (ValidationError, PermissionError) as error:
        messages.error(request, str(error.messages[0] if isinstance(error, ValidationError) else error))
    else:
        text = (
            gettext("Decided: %(person)s approved as admin.")
            if form.cleaned_data["decision"] == "approve"
            else gettext("Decided: %(person)s refused as admin.")
        )
        messages.success(request, text % {"person": approval.person.user})
    return redirect("directory:approvals")


urlpatterns = [
    path("scim/groups/<int:pk>/role", group_role, name="group_role"),
    path("approvals/", approvals, name="approvals"),
    path("approvals/<int:pk>/decide", approval_decide, name="approval_decide"),
]
