"""The admins' pages of SCIM connections: the list and a new connection (its token shown once), one
connection (base URL, last sync, counts, its groups and their role mappings, the latest requests), token
rotation and revocation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from directory.forms.connections import ConnectionForm
from directory.forms.mappings import GroupRoleForm
from directory.queries import connections as queries
from directory.queries.mappings import groups_of_connection, pending_approvals_for
from directory.services import connections as services
from dpms.forms import add_service_errors


def _list_page(request, form, created=None, token_text=""):
    context = {
        "connections": list(queries.connections_for(request.user)),
        "form": form,
        "created": created,
        "token_text": token_text,
        "base_url": request.build_absolute_uri("/scim/v2/"),
    }
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "directory/connections/list.html", context, status=status)


@login_required
def connections(request):
    """Every SCIM connection with its counts, and a form for a new one."""
    queries.connections_for(request.user)  # 403 before reading a form
    if request.method == "POST":
        form = ConnectionForm(request.POST)
        if form.is_valid():
            try:
                connection, text = services.connection_create(
                    actor=request.user, name=form.cleaned_data["name"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                return _list_page(request, ConnectionForm(), created=connection, token_text=text)
        return _list_page(request, form)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "POST"])
    return _list_page(request, ConnectionForm())


def _detail_page(request, pk, token_text=""):
    connection = queries.connection_for(request.user, pk)
    groups = list(groups_of_connection(connection))
    for group in groups:
        group.form = GroupRoleForm(initial={"role": group.role}, prefix=f"g{group.pk}")
    context = {
        "connection": connection,
        "groups": groups,
        "requests": list(queries.latest_requests(connection)),
        "pending": list(pending_approvals_for(request.user).filter(group__connection=connection)),
        "token_text": token_text,
        "base_url": request.build_absolute_uri("/scim/v2/"),
    }
    return render(request, "directory/connections/detail.html", context)


@login_required
def connection_detail(request, pk):
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET"])
    return _detail_page(request, pk)


@login_required
@require_POST
def connection_rotate(request, pk):
    """A new token, shown on the answer once; the old one stops at once."""
    connection = queries.connection_for(request.user, pk)
    try:
        _, text = services.connection_rotate_token(actor=request.user, connection=connection)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("directory:connection", pk=pk)
    return _detail_page(request, pk, token_text=text)


@login_required
@require_POST
def connection_revoke(request, pk):
    connection = queries.connection_for(request.user, pk)
    services.connection_revoke(actor=request.user, connection=connection)
    messages.success(
        request,
        gettext("The connection “%(name)s” is revoked: its token no longer works.")
        % {"name": connection.name},
    )
    return redirect("directory:connection", pk=pk)


urlpatterns = [
    path("scim/", connections, name="connections"),
    path("scim/<int:pk>/", connection_detail, name="connection"),
    path("scim/<int:pk>/rotate", connection_rotate, name="connection_rotate"),
    path("scim/<int:pk>/revoke", connection_revoke, name="connection_revoke"),
]
