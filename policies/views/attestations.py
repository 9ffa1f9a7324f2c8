"""Pages of a person's side of policies: "My policies" (what to read and acknowledge), an assignment (the
text, the questions and one button), acknowledging from the policy's page, "My attestations" and the same
history of a person for their manager, security officers and auditors, and an answer's file."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dpms.downloads import sandboxed_download
from dpms.forms import add_service_errors
from dpms.paging import paginate
from policies.choices import AssignmentStatus
from policies.forms.attestations import AcknowledgeForm, AssignmentForm
from policies.queries import attestations as queries
from policies.queries import documents
from policies.services import attestations as services

HISTORY_PAGE_SIZE = 25


@login_required
@require_GET
def my_policies(request):
    """What the person must still do (pending assignments, soonest due first), then every policy that
    applies to them with their acknowledgement of its version in force."""
    now = timezone.now()
    context = {
        "pending": list(queries.pending_assignments(request.user)),
        "policies": list(queries.my_policies(request.user, today=timezone.localdate(now))),
        "now": now,
    }
    return render(request, "policies/attestations/mine.html", context)


def _assignment_context(request, assignment, form):
    campaign = assignment.campaign
    return {
        "assignment": assignment,
        "campaign": campaign,
        "version": campaign.version,
        "policy": campaign.policy,
        "form": form,
        "answers": list(queries.answers_of(assignment)) if assignment.status == AssignmentStatus.DONE else [],
        "may_answer": queries.may_still_answer(assignment),
        "overdue": assignment.status == AssignmentStatus.PENDING and campaign.due_at < timezone.now(),
    }


@login_required
@require_http_methods(["GET", "POST"])
def assignment_page(request, pk):
    """The version's text, the campaign's questions and one button: acknowledging and answering together."""
    assignment = queries.get_assignment_for_person(request.user, pk)
    if request.method == "POST" and not queries.may_still_answer(assignment):
        # A second tab, or the campaign closed meanwhile: the page says what happened instead of a bare error.
        messages.error(request, _("This is no longer waiting for your answers."))
        return redirect("policies:assignment", pk=pk)
    questions = list(queries.campaign_questions(assignment.campaign))
    form = AssignmentForm(request.POST or None, request.FILES or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.assignment_complete(actor=request.user, assignment=assignment, answers=form.replies())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("Thank you: you acknowledged %(policy)s, version %(number)d.")
                % {"policy": assignment.campaign.policy.title, "number": assignment.campaign.version.number},
            )
            return redirect("policies:mine")
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "policies/attestations/assignment.html",
        _assignment_context(request, assignment, form),
        status=status,
    )


@login_required
@require_POST
def policy_acknowledge(request, pk):
    """Acknowledge the version in force from the policy's page (the version the page showed)."""
    policy = documents.get_policy_for_user(request.user, pk)
    form = AcknowledgeForm(request.POST)
    current = documents.version_in_force(policy, timezone.localdate())
    if not form.is_valid() or current is None:
        messages.error(request, _("This policy has no version in force to acknowledge."))
        return redirect("policies:policy", pk=pk)
    if form.cleaned_data["version"] != current.number:
        messages.error(
            request, _("A new version is in force since you opened the page: read it, then acknowledge.")
        )
        return redirect("policies:policy", pk=pk)
    try:
        services.policy_acknowledge(actor=request.user, version=current)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    except PermissionDenied:
        raise Http404("No such policy.") from None
    else:
        messages.success(request, _("You acknowledged version %(number)d.") % {"number": current.number})
    return redirect("policies:policy", pk=pk)


def _history(request, person, *, own: bool):
    page, query = paginate(request, queries.attestations_of(person), HISTORY_PAGE_SIZE)
    context = {
        "person": person,
        "own": own,
        "acknowledgements": list(queries.acknowledgements_of(person)),
        "page": page,
        "query": query,
    }
    return render(request, "policies/attestations/history.html", context)


@login_required
@require_GET
def my_history(request):
    """What I acknowledged and attested, when, each answer."""
    return _history(request, request.user, own=True)


@login_required
@require_GET
def person_history(request, user_pk):
    """A person's acknowledgements and attestations, for them, their manager, officers and auditors."""
    person = queries.get_person_for_history(request.user, user_pk)
    return _history(request, person, own=person.pk == request.user.pk)


@login_required
@require_GET
def answer_file(request, pk):
    """An answer's file, to the person, their manager, officers and auditors; a download a browser cannot
    run (and, like every download, keeps in no cache)."""
    answer = queries.get_answer_file_for_download(request.user, pk)
    try:
        handle = answer.file.open("rb")
    except FileNotFoundError:
        raise Http404("The file is missing from the store.") from None
    return sandboxed_download(handle, filename=answer.file_name, content_type=answer.file_content_type)


urlpatterns = [
    path("mine/", my_policies, name="mine"),
    path("mine/history/", my_history, name="my_history"),
    path("mine/<int:pk>/", assignment_page, name="assignment"),
    path("<int:pk>/acknowledge/", policy_acknowledge, name="acknowledge"),
    path("people/<int:user_pk>/", person_history, name="person_history"),
    path("answers/<int:pk>/file/", answer_file, name="answer_file"),
]
