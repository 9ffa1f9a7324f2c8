"""A system's components: the inventory, a component typed in or removed, and the CycloneDX SBOM import
with the difference it made."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from dpms.forms import add_service_errors
from vulnerabilities.forms.components import ComponentForm, SbomForm
from vulnerabilities.queries import components as queries
from vulnerabilities.services import components as services


def _page(request, system, *, component_form=None, sbom_form=None, status=200):
    may_change = queries.may_change_components(request.user, system)
    context = {
        "system": system,
        "components": list(queries.inventory(system)),
        "latest_import": queries.latest_sbom_import(system),
        "may_change": may_change,
        "component_form": component_form or (ComponentForm() if may_change else None),
        "sbom_form": sbom_form or (SbomForm() if may_change else None),
    }
    return render(request, "vulnerabilities/components/system.html", context, status=status)


@login_required
@require_GET
def system_components(request, system_pk):
    return _page(request, queries.get_system_for_components(request.user, system_pk))


@login_required
@require_POST
def component_add(request, system_pk):
    system = queries.get_system_for_components(request.user, system_pk, for_change=True)
    form = ComponentForm(request.POST)
    if form.is_valid():
        try:
            component = services.component_add(actor=request.user, system=system, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"{component} added to {system.name}'s components.")
            return redirect("vulnerabilities:system_components", system_pk=system.pk)
    return _page(request, system, component_form=form, status=400)


@login_required
@require_POST
def component_remove(request, system_pk, pk):
    system = queries.get_system_for_components(request.user, system_pk, for_change=True)
    component = services.component_remove(actor=request.user, component=queries.get_component(system, pk))
    messages.success(request, f"{component} removed from {system.name}'s components.")
    return redirect("vulnerabilities:system_components", system_pk=system.pk)


@login_required
@require_POST
def sbom_upload(request, system_pk):
    """Import a CycloneDX SBOM: the inventory becomes the SBOM's; a malformed file changes nothing."""
    system = queries.get_system_for_components(request.user, system_pk, for_change=True)
    form = SbomForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["sbom"]
        if upload.size > services.MAX_SBOM_BYTES:
            form.add_error(
                "sbom",
                _("The file is larger than %(size)s MB.")
                % {"size": services.MAX_SBOM_BYTES // (1024 * 1024)},
            )
        else:
            try:
                difference = services.sbom_import(
                    actor=request.user, system=system, data=upload.read(), filename=upload.name
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "SBOM imported: %(added)s added, %(removed)s removed, %(changed)s changed, "
                        "%(unchanged)s unchanged."
                    )
                    % {
                        "added": len(difference.added),
                        "removed": len(difference.removed),
                        "changed": len(difference.changed),
                        "unchanged": difference.unchanged,
                    },
                )
                return redirect("vulnerabilities:system_components", system_pk=system.pk)
    return _page(request, system, sbom_form=form, status=400)


urlpatterns = [
    path("systems/<int:system_pk>/components", system_components, name="system_components"),
    path("systems/<int:system_pk>/components/add", component_add, name="component_add"),
    path("systems/<int:system_pk>/components/<int:pk>/remove", component_remove, name="component_remove"),
    path("systems/<int:system_pk>/sbom", sbom_upload, name="sbom_upload"),
]


def system_section(request, system):
    """The "system-detail" section of the access system page: its components and open vulnerabilities, for
    those who may read them (None: not shown)."""
    if not queries.may_read_components(request.user, system):
        return None
    return {
        **queries.system_section(system),
        "may_change": queries.may_change_components(request.user, system),
    }
