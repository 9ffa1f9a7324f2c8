"""Pages of policy documents: the library, a policy's page (the version in force, rendered), each version
readable with what changed since the one before, creating a policy and editing its settings, publishing a
version, and keeping its attestation questions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dpms.forms import add_service_errors
from dpms.paging import paginate
from dpms.queries import teams_directory
from policies.forms.documents import LibraryFilterForm, MoveForm, PolicyForm, QuestionForm, VersionForm
from policies.queries import acknowledgements as evidence
from policies.queries import attestations as mine
from policies.queries import campaigns
from policies.queries import documents as queries
from policies.services import documents as services

PAGE_SIZE = 50


@login_required
@require_GET
def policy_library(request):
    """Every policy the person may read: its version in force and whether they acknowledged it."""
    form = LibraryFilterForm(request.GET or None)
    today = timezone.localdate()
    filters = form.cleaned_data if form.is_valid() else {}
    rows = queries.library(request.user, today=today, **filters)
    page, query = paginate(request, rows, PAGE_SIZE)
    context = {
        "form": form,
        "page": page,
        "query": query,
        "may_create": queries.may_create_policies(request.user),
    }
    return render(request, "policies/documents/library.html", context)


def _policy_form(request, *, policy=None):
    creating = policy is None
    initial = PolicyForm.initial_for(policy) if policy else {"owner": request.user, **_NEW_POLICY}
    return PolicyForm(
        request.POST or None,
        initial=initial,
        teams=teams_directory(),
        creating=creating,
        may_change_owner=queries.may_create_policies(request.user),
    )


_NEW_POLICY = {
    "audience": "everyone",
    "yearly": True,
    "duration_days": 14,
    "reminder_days_before_due": "7, 1",
    "remind_at_launch": True,
    "remind_daily_when_overdue": True,
    "escalate_after_overdue_days": 3,
    "follow_up_days": 30,
}


@login_required
@require_http_methods(["GET", "POST"])
def policy_create(request):
    """Security officers write a new policy; its text comes with its first version, next."""
    if not queries.may_create_policies(request.user):
        raise PermissionDenied(_("Only security officers create policies."))
    form = _policy_form(request)
    if request.method == "POST" and form.is_valid():
        try:
            policy = services.policy_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Policy created. Now write its first version."))
            return redirect("policies:version_new", pk=policy.pk)
    return render(
        request, "policies/documents/form.html", {"form": form, "policy": None}, status=_status(form)
    )


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@login_required
@require_http_methods(["GET", "POST"])
def policy_edit(request, pk):
    """Security officers, and the owner of their own policy, change its settings."""
    policy = queries.get_policy_for_user(request.user, pk, for_change=True)
    form = _policy_form(request, policy=policy)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        owner = data.pop("owner", None)
        teams = data.pop("teams")
        try:
            services.policy_update(actor=request.user, policy=policy, owner=owner, teams=teams, **data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Policy saved."))
            return redirect("policies:policy", pk=policy.pk)
    context = {"form": form, "policy": policy}
    return render(request, "policies/documents/form.html", context, status=_status(form))


@login_required
@require_GET
def policy_detail(request, pk):
    """The version in force, rendered; the list of versions; the person's acknowledgement of it."""
    policy = queries.get_policy_for_user(request.user, pk)
    today = timezone.localdate()
    current = queries.version_in_force(policy, today)
    may_edit = queries.may_edit_policy(request.user, policy)
    context = {
        "policy": policy,
        "current": current,
        "versions": list(queries.versions_of(policy)),
        "today": today,
        "acknowledgement": queries.acknowledgement_of(request.user, current) if current else None,
        "pending": list(mine.pending_assignments_for_version(request.user, current)) if current else [],
        "applies": queries.applies_to(policy, request.user),
        "may_edit": may_edit,
        "may_publish": queries.may_publish_version(request.user, policy),
        "questions": list(queries.template_questions(policy)) if may_edit else [],
        "may_launch": campaigns.may_launch_campaigns(request.user) and not policy.archived and current,
        "reads_acknowledgements": evidence.may_read_acknowledgements(request.user),
    }
    return render(request, "policies/documents/detail.html", context)


@login_required
@require_GET
def version_detail(request, pk, number):
    """One version as it was published, with its change summary and what changed since the one before."""
    policy = queries.get_policy_for_user(request.user, pk)
    version = queries.get_version(policy, number)
    previous = queries.previous_version(version)
    current = queries.version_in_force(policy, timezone.localdate())
    context = {
        "policy": policy,
        "version": version,
        "previous": previous,
        "current": current,
        "changes": queries.changed_lines(previous.body, version.body) if previous else [],
        "show_changes": request.GET.get("view") == "changes" and previous is not None,
        "reads_acknowledgements": evidence.may_read_acknowledgements(request.user),
    }
    return render(request, "policies/documents/version.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def version_new(request, pk):
    """Publish the next version (officers, and the owner of their own policy)."""
    policy = queries.get_policy_for_user(request.user, pk)
    if not queries.may_publish_version(request.user, policy):
        raise PermissionDenied(_("Only security officers and the policy's owner publish its versions."))
    last = queries.versions_of(policy).first()
    initial = {"effective_date": timezone.localdate(), "body": last.body if last else ""}
    form = VersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.version_publish(actor=request.user, policy=policy, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Version %(number)d published, in force from %(date)s.")
                % {
                    "number": version.number,
                    "date": formats.date_format(version.effective_date, "DATE_FORMAT"),
                },
            )
            return redirect("policies:policy", pk=policy.pk)
    context = {"form": form, "policy": policy, "last": last}
    return render(request, "policies/documents/version_form.html", context, status=_status(form))


# --- Attestation questions ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def question_list(request, pk):
    """The questions the policy's next campaigns ask, and a form to add one."""
    policy = queries.get_policy_for_user(request.user, pk, for_change=True)
    form = QuestionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_add(actor=request.user, policy=policy, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("policies:questions", pk=policy.pk)
    context = {"policy": policy, "questions": list(queries.template_questions(policy)), "form": form}
    return render(request, "policies/documents/questions.html", context, status=_status(form))


@login_required
@require_http_methods(["GET", "POST"])
def question_edit(request, pk, question_pk):
    policy = queries.get_policy_for_user(request.user, pk, for_change=True)
    question = queries.get_template_question(policy, question_pk)
    initial = {name: getattr(question, name) for name in services.QUESTION_FIELDS}
    form = QuestionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.question_update(actor=request.user, question=question, **form.cleaned_data)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("Question saved."))
            return redirect("policies:questions", pk=policy.pk)
    context = {"policy": policy, "question": question, "form": form}
    return render(request, "policies/documents/question_form.html", context, status=_status(form))


@login_required
@require_POST
def question_remove(request, pk, question_pk):
    policy = queries.get_policy_for_user(request.user, pk, for_change=True)
    question = queries.get_template_question(policy, question_pk)
    services.question_remove(actor=request.user, question=question)
    messages.success(request, _("Question removed. Campaigns already started keep asking it."))
    return redirect("policies:questions", pk=policy.pk)


@login_required
@require_POST
def question_move(request, pk, question_pk):
    policy = queries.get_policy_for_user(request.user, pk, for_change=True)
    question = queries.get_template_question(policy, question_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose up or down."))
    services.question_move(actor=request.user, question=question, up=form.cleaned_data["direction"] == "up")
    return redirect("policies:questions", pk=policy.pk)


urlpatterns = [
    path("", policy_library, name="library"),
    path("new/", policy_create, name="policy_create"),
    path("<int:pk>/", policy_detail, name="policy"),
    path("<int:pk>/edit/", policy_edit, name="policy_edit"),
    path("<int:pk>/v/<int:number>/", version_detail, name="version"),
    path("<int:pk>/versions/new/", version_new, name="version_new"),
    path("<int:pk>/questions/", question_list, name="questions"),
    path("<int:pk>/questions/<int:question_pk>/edit/", question_edit, name="question_edit"),
    path("<int:pk>/questions/<int:question_pk>/remove/", question_remove, name="question_remove"),
    path("<int:pk>/questions/<int:question_pk>/move/", question_move, name="question_move"),
]
