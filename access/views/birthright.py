"""The birthright page: which roles every joiner of a team is given, set by security officers."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from access.forms.birthright import BirthrightRuleForm
from access.queries import birthright as queries
from access.services.birthright import birthright_rule_add, birthright_rule_remove
from dpms.forms import add_service_errors
from dpms.paging import paginate

PAGE_SIZE = 100


@login_required
@require_http_methods(["GET", "POST"])
def birthright_list(request):
    queries.check_may_read(request.user)
    can_manage = queries.may_manage_birthright(request.user)
    form = None
    if can_manage:
        form = BirthrightRuleForm(request.POST) if request.method == "POST" else BirthrightRuleForm()
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("Only security officers change birthright access."))
        if form.is_valid():
            try:
                rule = birthright_rule_add(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("Joiners of %(team)s now get %(role)s.") % {"team": rule.team, "role": rule.role},
                )
                return redirect("access:birthright")
    page, query = paginate(request, queries.rules_for_list(), PAGE_SIZE)
    context = {"page": page, "query": query, "form": form, "can_manage": can_manage}
    status = 400 if form is not None and form.errors else 200
    return render(request, "access/birthright/list.html", context, status=status)


@login_required
@require_POST
def birthright_remove(request, pk):
    rule = queries.get_rule_for_change(request.user, pk)
    birthright_rule_remove(actor=request.user, rule=rule)
    messages.success(
        request, _("Joiners of %(team)s no longer get %(role)s.") % {"team": rule.team, "role": rule.role}
    )
    return redirect("access:birthright")


urlpatterns = [
    path("birthright/", birthright_list, name="birthright"),
    path("birthright/<int:pk>/remove", birthright_remove, name="birthright_remove"),
]
