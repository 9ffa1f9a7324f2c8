"""The incident page: the facts, the actions the viewer may take, the sections other areas add (the breach
and escalation sections, through the portal's "incident-detail" slot), follow-up actions, files and the
timeline.

Every action (here and in the breach area) goes through ``act``: a POST view that fetches the incident
through ``incidents.queries.visibility`` (404 when hidden, 403 when the viewer may not do it), validates a
form, calls a service in ``incidents.services`` and redirects back with a message, or re-renders the page
with the form's errors (status 400).
The page runs a fixed number of queries whatever the size of the timeline.
"""

import datetime
from collections import defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from dpms import portal
from dpms.forms import add_service_errors
from incidents.choices import SEVERITY_DEFINITIONS, Category, EventKind, PersonalData, Severity, Status
from incidents.forms import detail as forms
from incidents.queries import detail as queries
from incidents.queries.attachments import attachments_visible_to
from incidents.queries.visibility import (
    can_take_part,
    can_triage,
    get_incident_for_user,
    is_responder,
    sees_internal,
    shared_with,
)
from incidents.services import comments, followups, sharing, timeline, workflow
from incidents.services.breach import NIS2_REPORTS, nis2_pending
from risk.queries.register import risks_for_user

SLOT = "incident-detail"  # where other areas add their sections (dpms.portal.sections_for)
TEMPLATE = "incidents/detail/detail.html"


# --- Countdowns and the header band -----------------------------------------------------------------------
AUTHORITY_LABEL = gettext_lazy("Notify the supervisory authority (Art. 33 GDPR)")
OFFICERS = gettext_lazy("the security officers")
# What the handler does next at each step of the way (the band's last resort when nothing else is owed).
NEXT_STEP = {
    Status.TRIAGED: gettext_lazy("Investigate it"),
    Status.INVESTIGATING: gettext_lazy("Contain it"),
    Status.CONTAINED: gettext_lazy("Resolve it: remove the cause"),
}
# What a reporter is told happens next (no clocks, no escalation: those are internal).
REPORTER_NEXT = {
    Status.REPORTED: gettext_lazy("The security officers look at your report and triage it."),
    Status.RESOLVED: gettext_lazy("Resolved; it is closed once its root cause is recorded."),
    Status.CLOSED: gettext_lazy("Closed: nothing more is owed."),
    Status.DISMISSED: gettext_lazy("Dismissed: it was not treated as an incident."),
}


def countdown_text(left: datetime.timedelta) -> str:
    """ "61 h 12 min left" or "Overdue by 3 h 5 min" (whole minutes, rounded down); days past 96 hours.
    static/js/dpms.js writes the same text."""
    minutes = int(abs(left.total_seconds()) // 60)
    hours = minutes // 60
    if hours >= 96:
        span = _("%(days)s d %(hours)s h") % {"days": hours // 24, "hours": hours % 24}
    else:
        span = _("%(hours)s h %(minutes)s min") % {"hours": hours, "minutes": minutes % 60}
    return (
        _("%(span)s left") % {"span": span}
        if left.total_seconds() >= 0
        else _("Overdue by %(span)s") % {"span": span}
    )


def clock(deadline: datetime.datetime, now: datetime.datetime, label: str = "") -> dict:
    """A countdown to ``deadline`` for templates/incidents/breach/_countdown.html."""
    left = deadline - now
    return {
        "label": label,
        "deadline": deadline,
        "iso": deadline.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "text": countdown_text(left),
        "overdue": left.total_seconds() < 0,
    }


def _owed(incident, viewer, *, review_required: bool, review, now) -> list[dict]:
    """What handling ``incident`` owes now, most urgent first: what, by whom, and by when (a regulatory
    deadline, or the next escalation when the step is what stops it; none for "without undue delay")."""
    if not incident.is_open:
        return []
    handler = incident.handler
    who = "you" if handler and handler.pk == viewer.pk else str(handler) if handler else OFFICERS
    escalates = incident.next_escalation_at
    owed = []

    def add(what, by, due=None, *, escalation=False):
        owed.append(
            {"what": what, "who": by, "clock": clock(due, now) if due else None, "escalation": escalation}
        )

    if incident.status == Status.REPORTED:
        add(_("Triage it: severity, handler, personal data"), OFFICERS, escalates, escalation=True)
    elif incident.acknowledged_at is None:
        add(_("Acknowledge it"), who, escalates, escalation=True)
    if incident.authority_clock_running:
        add(_("%(step)s, or record why not") % {"step": AUTHORITY_LABEL}, who, incident.authority_deadline)
    if settings.NIS2_ENABLED:
        for report, deadline in nis2_pending(incident):
            add(_("Submit the %(report)s") % {"report": NIS2_REPORTS[report]}, who, deadline)
    if incident.is_breach and not incident.subjects_decision:
        add(_("Decide whether to tell the data subjects (Art. 34 GDPR)"), who)
    if incident.status in NEXT_STEP:
        # Once acknowledged, what can still escalate is an incident not contained in time.
        due = escalates if incident.acknowledged_at and incident.status != Status.CONTAINED else None
        add(NEXT_STEP[incident.status], who, due, escalation=True)
    if incident.status == Status.RESOLVED:
        if review_required and review is None:
            add(_("Record the post-incident review"), who)
        else:
            add(_("Close it with the root cause and lessons learned"), who)
    timed = sorted((item for item in owed if item["clock"]), key=lambda item: item["clock"]["deadline"])
    return timed + [item for item in owed if not item["clock"]]


def header_band(request, incident, *, internal: bool, review_required: bool, review) -> dict:
    """The band at the top of the incident page: the running clocks (GDPR 72 hours, NIS2), the escalation
    state and what is owed next, by whom and by when, all read from the incident row (no query). A viewer
    who does not see the internal side (the reporter) is told in plain words what happens next."""
    now = timezone.now()
    if not internal:
        default = (
            _("%(handler)s handles it.") % {"handler": incident.handler}
            if incident.handler
            else _("The security officers handle it.")
        )
        return {"internal": False, "reporter_next": REPORTER_NEXT.get(incident.status, default)}
    clocks = []
    if incident.authority_clock_running:
        clocks.append(clock(incident.authority_deadline, now, AUTHORITY_LABEL) | {"testid": "breach-clock"})
    if settings.NIS2_ENABLED:
        for report, deadline in nis2_pending(incident):
            clocks.append(clock(deadline, now, NIS2_REPORTS[report]) | {"testid": f"nis2-clock-{report}"})
    owed = _owed(incident, request.user, review_required=review_required, review=review, now=now)
    escalation = None
    if incident.is_open:
        escalation = {
            "level": incident.escalation_level,
            "next": clock(incident.next_escalation_at, now) if incident.next_escalation_at else None,
        }
    return {
        "internal": True,
        "clocks": clocks,
        "escalation": escalation,
        "next": owed[0] if owed else None,
        "later": owed[1:],
    }


# --- The page -----------------------------------------------------------------------------------------------


def timeline_text(event) -> str:
    """A timeline line as the reader reads it. The stored text is the record, written in the portal's
    language; a line whose facts are all kept in its data is written out again in the reader's language
    (only when that rebuilds the stored text word for word: an outside reporter's name is not in the data)."""
    data = event.data or {}
    if not (
        event.kind == EventKind.REPORTED
        and event.actor is not None
        and data.get("category") in Category.values
    ):
        return timeline.read(event.text)

    def written() -> str:
        category = str(Category(data["category"]).label)
        english = (translation.get_language() or "en").startswith("en")
        text = _("Reported by %(person)s as %(category)s.") % {
            "person": event.actor,
            "category": category.lower() if english else category,
        }
        if data.get("personal_data") == PersonalData.YES:
            text += " " + _("The reporter says personal data may be involved.")
        return text

    with translation.override(settings.LANGUAGE_CODE):
        record = written()
    return written() if record == event.text else event.text


def _sections(request, incident, bound) -> list[dict]:
    found = []
    for section in portal.sections_for(SLOT):
        context = section.context(request, incident, bound=bound)
        if context is not None:
            found.append({"template": section.template, "context": context})
    return found


def _form(bound, key, factory):
    form = bound.get(key) or factory()
    form.auto_id = f"{key}-%s"
    return form


def _context(request, incident, bound) -> dict:
    user = request.user
    bound = bound or {}
    responder = is_responder(user, incident)
    triage = can_triage(user, incident)
    internal = sees_internal(user, incident)
    status = incident.status
    is_open = incident.is_open
    triaged = status not in (Status.REPORTED, Status.DISMISSED)

    # The timeline (1 query) and the files (1 query), each file shown on its line and in the list.
    events = queries.timeline_events(incident, internal=internal)
    files = list(attachments_visible_to(user, incident).order_by("uploaded_at", "pk"))
    files_by_event = defaultdict(list)
    for attachment in files:
        files_by_event[attachment.event_id].append(attachment)
    timeline = [
        {"event": event, "text": timeline_text(event), "files": files_by_event.get(event.pk, [])}
        for event in events
    ]

    visible_risks = risks_for_user(user)
    review = queries.review_of(incident) if internal else None
    context = {
        "incident": incident,
        "responder": responder,
        "may_triage": triage,
        "sees_internal": internal,
        "is_reporter": incident.reported_by_id == user.pk,
        "severity_definition": SEVERITY_DEFINITIONS.get(incident.severity) if incident.severity else "",
        "severity_definitions": [(value.label, SEVERITY_DEFINITIONS[value]) for value in Severity],
        "systems": queries.linked_systems(incident),
        "risks": queries.linked_risks(user, incident, visible_risks),
        "timeline": timeline,
        "attachments": files,
        "review": review,
        "followups": queries.followups_of(incident) if internal else [],
        "followup_status_form": forms.FollowUpStatusForm(),
        "sections": _sections(request, incident, bound),
        "may_comment": can_take_part(user, incident, responder=responder),
        "may_acknowledge": responder and is_open and incident.acknowledged_at is None,
        "forward": [(value, Status(value).label) for value in workflow.forward_statuses(status)]
        if responder
        else [],
        "back": [(value, Status(value).label) for value in workflow.back_statuses(status)]
        if responder
        else [],
        "may_close": responder and status == Status.RESOLVED,
        "review_required": incident.severity in workflow.REVIEW_REQUIRED,
        "shares": shared_with(incident) if triage else [],
    }
    context["comment_form"] = _form(
        bound, "comment", lambda: forms.CommentForm(responder=responder, is_reporter=context["is_reporter"])
    )
    context["move_form"] = _form(bound, "move", forms.TransitionForm)
    if triage and status in (Status.REPORTED, Status.TRIAGED):
        initial = {
            "severity": incident.severity,
            "handler": incident.handler or user,
            "category": incident.category,
            "is_breach": incident.is_breach,
            "confidential": incident.confidential,
        }
        context["triage_form"] = _form(bound, "triage", lambda: forms.TriageForm(initial=initial))
        context["dismiss_form"] = _form(bound, "dismiss", forms.ReasonForm)
    if triage and triaged and is_open:
        # A resolved incident keeps its severity (a SEV1/SEV2 keeps its post-incident review); its handler
        # and category may still change.
        if status != Status.RESOLVED or "severity" in bound:
            context["severity_form"] = _form(
                bound, "severity", lambda: forms.SeverityForm(initial={"severity": incident.severity})
            )
        context["handler_form"] = _form(
            bound, "handler", lambda: forms.HandlerForm(initial={"handler": incident.handler})
        )
        context["category_form"] = _form(
            bound, "category", lambda: forms.CategoryForm(initial={"category": incident.category})
        )
    if triage:
        context["confidential_form"] = _form(
            bound,
            "confidential",
            lambda: forms.ConfidentialForm(
                initial={"confidential": "no" if incident.confidential else "yes"}
            ),
        )
        context["share_form"] = _form(bound, "share", forms.ShareForm)
    if context["may_close"]:
        context["close_form"] = _form(bound, "close", forms.CloseForm)
    if responder and (context["review_required"] or review):
        initial = (
            {
                "held_on": review.held_on,
                "participants": review.participants,
                "summary": review.summary,
                "actions": review.actions,
            }
            if review
            else {}
        )
        context["review_form"] = _form(bound, "review", lambda: forms.ReviewForm(initial=initial))
    if responder:
        context["followup_form"] = _form(bound, "followup", forms.FollowUpForm)
        context["links_form"] = _form(
            bound,
            "links",
            lambda: forms.LinksForm(
                visible_risks=visible_risks, linked_risks=context["risks"], linked_systems=context["systems"]
            ),
        )
    context["band"] = header_band(
        request, incident, internal=internal, review_required=context["review_required"], review=review
    )
    _suggest_once(context)
    _say_unshown_errors(request, context, bound)
    return context


def _suggest_once(context) -> None:
    """The page's person boxes (handler, share, follow-up owner, triage) suggest the same people: read once
    a page, when the first box is drawn, instead of one query a box."""
    read: dict = {}

    def once(suggest):
        def people():
            if suggest not in read:
                read[suggest] = list(suggest().only("email", "full_name"))
            return read[suggest]

        return people

    for form in context.values():
        if isinstance(form, BaseForm):
            for field in form.fields.values():
                suggest = getattr(field.widget, "suggestions", None)
                if callable(suggest):
                    field.widget.suggestions = once(suggest)


# The keys of this page's own forms (other areas' sections show the errors of theirs).
OWN_FORMS = (
    "triage", "dismiss", "move", "close", "review", "severity", "handler", "category", "comment", "links",
    "confidential", "share", "followup",
)  # fmt: skip


def _say_unshown_errors(request, context, bound) -> None:
    """A refused action always says why: the errors of a bound form that is not shown to this viewer (its
    section is not offered now), and those of its hidden fields, become messages at the top of the page."""
    for key in OWN_FORMS:
        form = bound.get(key)
        if form is None or not form.errors:
            continue
        shown = context.get(f"{key}_form") is form
        for name, errors in form.errors.items():
            field = form.fields.get(name)
            if shown and (field is None or not field.widget.is_hidden):
                continue
            label = f"{field.label or name.replace('_', ' ').capitalize()}: " if field is not None else ""
            for error in errors:
                messages.error(request, f"{label}{error}")


def render_detail(request, incident, *, bound=None, status=200):
    """The incident page; ``bound``: forms (by key) with errors to show, for a POST view that refuses."""
    return render(request, TEMPLATE, _context(request, incident, bound), status=status)


@login_required
@require_GET
def incident_detail(request, pk):
    return render_detail(request, get_incident_for_user(request.user, pk))


# --- Actions ------------------------------------------------------------------------------------------------


def _incident_for(request, pk, access: str):
    """``triage``: security officers handling it; ``respond``: the handler and those officers; ``take_part``:
    anyone who sees it but auditors (the reporter adds information; owners update their actions)."""
    user = request.user
    incident = get_incident_for_user(user, pk, for_triage=access == "triage", for_change=access == "respond")
    if access == "take_part" and not can_take_part(user, incident):
        raise PermissionDenied(_("Auditors read incidents; they change nothing."))
    return incident


def act(request, pk, *, key, access, form_factory, run, refusal_on_top: bool = False):
    """Validate ``form_factory(request, incident)``, call ``run(incident, form) -> message``; redirect back
    with the message, or show the page again with the form's errors (400). Nothing is saved when the service
    refuses: each service is one transaction. ``refusal_on_top``: a refusal about the incident's state
    (not about a field: marked already, clock stopped) is said at the top of the refreshed page, as the form
    it came from may not be on the page any more."""
    incident = _incident_for(request, pk, access)
    form = form_factory(request, incident)
    if form.is_valid():
        try:
            message = run(incident, form)
        except ValidationError as error:
            if refusal_on_top and not hasattr(error, "error_dict"):
                for text in error.messages:
                    messages.error(request, text)
                return redirect("incidents:detail", pk=incident.pk)
            add_service_errors(form, error)
        else:
            messages.success(request, message)
            return redirect("incidents:detail", pk=incident.pk)
    return render_detail(request, incident, bound={key: form}, status=400)


def _plain(form_class, **kwargs):
    return lambda request, incident: form_class(request.POST, **kwargs)


@login_required
@require_POST
def triage_view(request, pk):
    def run(incident, form):
        incident = workflow.incident_triage(actor=request.user, incident=incident, **form.cleaned_data)
        return _("%(reference)s triaged as %(severity)s; %(handler)s handles it.") % {
            "reference": incident.reference,
            "severity": incident.severity_label,
            "handler": incident.handler,
        }

    return act(request, pk, key="triage", access="triage", form_factory=_plain(forms.TriageForm), run=run)


@login_required
@require_POST
def dismiss_view(request, pk):
    def run(incident, form):
        workflow.incident_dismiss(actor=request.user, incident=incident, reason=form.cleaned_data["reason"])
        return _("%(reference)s dismissed as not an incident.") % {"reference": incident.reference}

    return act(request, pk, key="dismiss", access="triage", form_factory=_plain(forms.ReasonForm), run=run)


@login_required
@require_POST
def acknowledge_view(request, pk):
    incident = _incident_for(request, pk, "respond")
    try:
        workflow.incident_acknowledge(actor=request.user, incident=incident)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render_detail(request, incident, status=400)
    messages.success(request, _("You acknowledged %(reference)s.") % {"reference": incident.reference})
    return redirect("incidents:detail", pk=incident.pk)


@login_required
@require_POST
def transition_view(request, pk):
    def run(incident, form):
        incident = workflow.incident_transition(actor=request.user, incident=incident, **form.cleaned_data)
        return _("%(reference)s is now “%(status)s”.") % {
            "reference": incident.reference,
            "status": incident.get_status_display(),
        }

    return act(request, pk, key="move", access="respond", form_factory=_plain(forms.TransitionForm), run=run)


@login_required
@require_POST
def close_view(request, pk):
    def run(incident, form):
        workflow.incident_close(actor=request.user, incident=incident, **form.cleaned_data)
        return _("%(reference)s is closed.") % {"reference": incident.reference}

    return act(request, pk, key="close", access="respond", form_factory=_plain(forms.CloseForm), run=run)


@login_required
@require_POST
def review_view(request, pk):
    def run(incident, form):
        workflow.post_incident_review_record(actor=request.user, incident=incident, **form.cleaned_data)
        return _("Post-incident review recorded.")

    return act(request, pk, key="review", access="respond", form_factory=_plain(forms.ReviewForm), run=run)


@login_required
@require_POST
def severity_view(request, pk):
    def run(incident, form):
        incident = workflow.incident_set_severity(actor=request.user, incident=incident, **form.cleaned_data)
        return _("%(reference)s is %(severity)s now.") % {
            "reference": incident.reference,
            "severity": incident.severity_label,
        }

    return act(request, pk, key="severity", access="triage", form_factory=_plain(forms.SeverityForm), run=run)


@login_required
@require_POST
def handler_view(request, pk):
    def run(incident, form):
        incident = workflow.incident_set_handler(actor=request.user, incident=incident, **form.cleaned_data)
        return _("%(handler)s handles %(reference)s now.") % {
            "handler": incident.handler,
            "reference": incident.reference,
        }

    return act(request, pk, key="handler", access="triage", form_factory=_plain(forms.HandlerForm), run=run)


@login_required
@require_POST
def category_view(request, pk):
    def run(incident, form):
        workflow.incident_set_category(actor=request.user, incident=incident, **form.cleaned_data)
        return _("Category corrected.")

    return act(request, pk, key="category", access="triage", form_factory=_plain(forms.CategoryForm), run=run)


@login_required
@require_POST
def comment_view(request, pk):
    def make(request, incident):
        responder = is_responder(request.user, incident)
        is_reporter = incident.reported_by_id == request.user.pk
        return forms.CommentForm(request.POST, request.FILES, responder=responder, is_reporter=is_reporter)

    def run(incident, form):
        comments.incident_comment(
            actor=request.user,
            incident=incident,
            text=form.cleaned_data["text"],
            internal=form.internal,
            uploads=form.cleaned_data.get("files", []),
        )
        return _("Comment added.") if "visibility" in form.fields else _("Information added.")

    return act(request, pk, key="comment", access="take_part", form_factory=make, run=run)


@login_required
@require_POST
def links_view(request, pk):
    def make(request, incident):
        visible = risks_for_user(request.user)
        return forms.LinksForm(
            request.POST,
            visible_risks=visible,
            linked_risks=queries.linked_risks(request.user, incident, visible),
            linked_systems=queries.linked_systems(incident),
        )

    def run(incident, form):
        sharing.incident_link(
            actor=request.user,
            incident=incident,
            risks=form.cleaned_data["risks"],
            systems=form.cleaned_data["systems"],
        )
        return _("Links saved.")

    return act(request, pk, key="links", access="respond", form_factory=make, run=run)


@login_required
@require_POST
def confidential_view(request, pk):
    def run(incident, form):
        incident = sharing.incident_set_confidential(
            actor=request.user, incident=incident, **form.cleaned_data
        )
        return (
            _("%(reference)s is confidential now.")
            if incident.confidential
            else _("%(reference)s is not confidential now.")
        ) % {"reference": incident.reference}

    return act(
        request, pk, key="confidential", access="triage", form_factory=_plain(forms.ConfidentialForm), run=run
    )


@login_required
@require_POST
def share_view(request, pk):
    def run(incident, form):
        sharing.incident_share(actor=request.user, incident=incident, user=form.cleaned_data["user"])
        return _("%(reference)s is shared with %(person)s.") % {
            "reference": incident.reference,
            "person": form.cleaned_data["user"],
        }

    return act(request, pk, key="share", access="triage", form_factory=_plain(forms.ShareForm), run=run)


@login_required
@require_POST
def unshare_view(request, pk):
    def run(incident, form):
        sharing.incident_unshare(actor=request.user, incident=incident, user=form.cleaned_data["user"])
        return _("%(reference)s is no longer shared with %(person)s.") % {
            "reference": incident.reference,
            "person": form.cleaned_data["user"],
        }

    return act(request, pk, key="share", access="triage", form_factory=_plain(forms.UnshareForm), run=run)


@login_required
@require_POST
def followup_add_view(request, pk):
    def run(incident, form):
        action = followups.followup_create(actor=request.user, incident=incident, **form.cleaned_data)
        return _("Follow-up action “%(title)s” added.") % {"title": action.title}

    return act(
        request, pk, key="followup", access="respond", form_factory=_plain(forms.FollowUpForm), run=run
    )


@login_required
@require_POST
def followup_status_view(request, pk, action_id):
    incident = _incident_for(request, pk, "take_part")
    action = queries.get_followup(incident, action_id)
    if action.owner_id != request.user.pk and not is_responder(request.user, incident):
        raise PermissionDenied(_("Only the action's owner and the incident's responders set its status."))
    form = forms.FollowUpStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status from the list."))
        return render_detail(request, incident, status=400)
    followups.followup_set_status(actor=request.user, action=action, status=form.cleaned_data["status"])
    messages.success(request, _("“%(title)s” saved.") % {"title": action.title})
    return redirect("incidents:detail", pk=incident.pk)


urlpatterns = [
    path("<int:pk>/", incident_detail, name="detail"),
    path("<int:pk>/triage/", triage_view, name="triage"),
    path("<int:pk>/dismiss/", dismiss_view, name="dismiss"),
    path("<int:pk>/acknowledge/", acknowledge_view, name="acknowledge"),
    path("<int:pk>/status/", transition_view, name="transition"),
    path("<int:pk>/close/", close_view, name="close"),
    path("<int:pk>/review/", review_view, name="review"),
    path("<int:pk>/severity/", severity_view, name="severity"),
    path("<int:pk>/handler/", handler_view, name="handler"),
    path("<int:pk>/category/", category_view, name="category"),
    path("<int:pk>/comment/", comment_view, name="comment"),
    path("<int:pk>/links/", links_view, name="links"),
    path("<int:pk>/confidential/", confidential_view, name="confidential"),
    path("<int:pk>/share/", share_view, name="share"),
    path("<int:pk>/unshare/", unshare_view, name="unshare"),
    path("<int:pk>/followups/", followup_add_view, name="followup_add"),
    path("<int:pk>/followups/<int:action_id>/status/", followup_status_view, name="followup_status"),
]
