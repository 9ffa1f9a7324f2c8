"""Pages of revocation tasks: the list, one task, and marking it done."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from access.choices import TaskStatus
from access.forms.revocations import RevocationDoneForm, RevocationFilterForm
from access.queries import revocations as queries
from access.services.revocations import revocation_task_done
from dpms.forms import add_service_errors
from dpms.paging import paginate

PAGE_SIZE = 50


@login_required
@require_GET
def revocation_list(request):
    form = RevocationFilterForm(request.GET or None)
    tasks = queries.tasks_for_list(request.user)
    if form.is_bound and form.is_valid():
        tasks = queries.filter_tasks(tasks, now=timezone.now(), **form.cleaned_data)
    elif form.is_bound:
        tasks = tasks.none()
    else:
        tasks = queries.filter_tasks(tasks)
    page, query = paginate(request, tasks, PAGE_SIZE)
    context = {"form": form, "page": page, "query": query, "now": timezone.now()}
    return render(request, "access/revocations/list.html", context)


@login_required
@require_GET
def revocation_detail(request, pk):
    task = queries.get_task_for_user(request.user, pk, for_change=False)
    can_complete = task.status == TaskStatus.OPEN and queries.may_complete(request.user, task)
    context = {"task": task, "form": RevocationDoneForm(), "can_complete": can_complete}
    return render(request, "access/revocations/detail.html", context)


@login_required
@require_POST
def revocation_done(request, pk):
    task = queries.get_task_for_user(request.user, pk, for_change=True)
    form = RevocationDoneForm(request.POST)
    if form.is_valid():
        try:
            revocation_task_done(
                task=task, actor=request.user, note=form.cleaned_data["note"], now=timezone.now()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The revocation is recorded as done."))
            return redirect("access:revocation_detail", pk=task.pk)
    context = {"task": task, "form": form, "can_complete": True}
    return render(request, "access/revocations/detail.html", context, status=400)


urlpatterns = [
    path("revocations/", revocation_list, name="revocation_list"),
    path("revocations/<int:pk>/", revocation_detail, name="revocation_detail"),
    path("revocations/<int:pk>/done", revocation_done, name="revocation_done"),
]
