"""Pages of the incidents app: the escalation policies (read by security officers and auditors, edited by
security officers) and the escalation section of the incident page."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from incidents.forms.escalation import LevelFormSet, level_initial
from incidents.queries.escalation import fires_of
from incidents.queries.escalation_policies import (
    can_edit_policies,
    can_read_policies,
    stored_levels,
    stored_policies,
)
from incidents.queries.visibility import sees_internal
from incidents.services.escalation import describe_level, plan_levels
from incidents.services.escalation_policies import (
    POLICY_SEVERITIES,
    UNTRIAGED,
    policy_label,
    policy_reset,
    policy_severity,
    policy_update,
    unsaved_default_levels,
)

LATE = timedelta(minutes=2)  # a fire this long after its due time says when it was due (after downtime)


def _severity(value: int) -> int:
    try:
        return policy_severity(value)
    except ValueError:
        raise Http404(_("There is no such severity.")) from None


def _policies() -> list[dict]:
    """The untriaged policy and the four severities' policies with their levels (the defaults where one has
    no row yet): two queries."""
    rows, by_severity = stored_policies()
    policies = []
    for severity in POLICY_SEVERITIES:
        policy = rows.get(severity)
        levels = by_severity.get(severity, []) if policy is not None else unsaved_default_levels(severity)
        untriaged = severity == UNTRIAGED
        policies.append(
            {
                "severity": severity,
                "label": policy_label(severity),
                "testid": "untriaged" if untriaged else policy_label(severity),
                "untriaged": untriaged,
                "policy": policy,
                "is_default": policy is None,
                "levels": [
                    {"level": level, "text": describe_level(level, untriaged=untriaged)} for level in levels
                ],
            }
        )
    return policies


@login_required
@require_GET
def policy_list(request):
    if not can_read_policies(request.user):
        raise PermissionDenied(_("Only security officers and auditors see the escalation policies."))
    context = {"policies": _policies(), "may_edit": can_edit_policies(request.user)}
    return render(request, "incidents/escalation/policies.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, severity):
    if not can_edit_policies(request.user):
        raise PermissionDenied(_("Only security officers edit the escalation policies."))
    severity = _severity(severity)
    label = policy_label(severity)
    if request.method == "POST" and "reset" in request.POST:
        changed = policy_reset(actor=request.user, severity=severity)
        messages.success(
            request,
            _("%(policy)s policy reset to the defaults.") % {"policy": label}
            if changed
            else _("No changes."),
        )
        return redirect("incidents:escalation_policies")
    current = next(entry for entry in _policies() if entry["severity"] == severity)
    initial = level_initial(entry["level"] for entry in current["levels"])
    formset = LevelFormSet(request.POST or None, initial=initial, prefix="levels")
    problems = []
    if request.method == "POST" and formset.is_valid():
        try:
            changed = policy_update(actor=request.user, severity=severity, levels=formset.levels())
        except ValidationError as error:
            problems = error.message_dict.get("levels", error.messages)
        else:
            messages.success(
                request, _("%(policy)s policy saved.") % {"policy": label} if changed else _("No changes.")
            )
            return redirect("incidents:escalation_policies")
    invalid = request.method == "POST"  # a POST that did not redirect was refused
    untriaged = severity == UNTRIAGED
    defaults = [describe_level(level, untriaged=untriaged) for level in unsaved_default_levels(severity)]
    context = {
        "formset": formset,
        "severity": severity,
        "label": label,
        "untriaged": untriaged,
        "problems": problems,
        "defaults": defaults,
    }
    return render(request, "incidents/escalation/edit.html", context, status=400 if invalid else 200)


def detail_section(request, incident, bound=None) -> dict:
    """The escalation section of the incident page: the running round's levels (as they stood when it
    started), the level reached, the next due time and what fired. Hidden from a reporter who has no other
    part in the incident. One query (two for a round started before plans were stored)."""
    user = request.user
    if incident.reported_by_id == user.pk and not sees_internal(user, incident):
        return {"show": False, "escalation": None}
    plan = plan_levels(incident)
    if plan:
        texts = [describe_level(level) for level in plan]
        label = policy_label(plan[0].policy)
    elif incident.severity is not None:
        stored = stored_levels(incident.severity)
        texts = [describe_level(level) for level in stored or unsaved_default_levels(incident.severity)]
        label = policy_label(incident.severity)
    else:
        texts, label = [], ""
    fired = [{"fire": fire, "late": fire.fired_at - fire.due_at >= LATE} for fire in fires_of(incident)]
    escalation = {
        "levels": texts,
        "policy": label,
        "started_at": incident.escalation_started_at if plan else None,
        "level_reached": incident.escalation_level,
        "next_at": incident.next_escalation_at,
        "fired": fired,
        "severity": incident.severity_label,
    }
    return {"show": True, "escalation": escalation}


urlpatterns = [
    path("escalation/", policy_list, name="escalation_policies"),
    path("escalation/<int:severity>/", policy_edit, name="escalation_policy_edit"),
]
