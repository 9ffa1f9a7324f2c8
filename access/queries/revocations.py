"""Reads for revocation tasks: who may see and complete them, and the list with its filters.

Tasks are filtered by fields (assignee, system owner, escalated to), never per row, so a list of any size
costs the same queries.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from access.choices import TaskStatus
from access.models import RevocationTask

TASK_SORTS = {
    "due": ("status", "due_at", "pk"),
    "-due": ("status", "-due_at", "-pk"),
    "system": ("system__name", "due_at", "pk"),
    "created": ("-created_at", "-pk"),
}


def may_complete(user, task: RevocationTask) -> bool:
    """The assignee, the system's owner, the person it was escalated to, and security officers."""
    return user.is_active and (
        user.is_security_officer or user.pk in {task.assignee_id, task.system.owner_id, task.escalated_to_id}
    )


def tasks_visible_to(user):
    """Security officers and auditors see every task; anyone else the tasks that are theirs."""
    tasks = RevocationTask.objects.all()
    if user.is_security_officer or user.is_auditor:
        return tasks
    return tasks.filter(Q(assignee=user) | Q(system__owner=user) | Q(escalated_to=user))


def tasks_for_list(user):
    return tasks_visible_to(user).select_related(
        "system", "grant__user", "grant__role", "assignee", "done_by", "escalated_to"
    )


def filter_tasks(tasks, *, status="", system=None, overdue=False, leaver=False, q="", sort="", now=None):
    if status:
        tasks = tasks.filter(status=status)
    if system is not None:
        tasks = tasks.filter(system=system)
    if overdue:
        tasks = tasks.filter(status=TaskStatus.OPEN, due_at__lte=now)
    if leaver:
        tasks = tasks.filter(leaver=True)
    if q:
        tasks = tasks.filter(
            Q(grant__user__full_name__icontains=q)
            | Q(grant__user__email__icontains=q)
            | Q(reason__icontains=q)
        )
    return tasks.order_by(*TASK_SORTS.get(sort or "due", TASK_SORTS["due"]))


def get_task_for_user(user, pk, *, for_change: bool) -> RevocationTask:
    """Not visible → 404; visible but not completable (auditor, or done) → 403."""
    task = tasks_for_list(user).select_related("review_item__campaign").filter(pk=pk).first()
    if task is None:
        raise Http404("No such revocation task.")
    if for_change and not may_complete(user, task):
        raise PermissionDenied(_("You may read this task but not complete it."))
    return task
