"""Reads for revocation tasks and for closing campaigns: who may see, complete, close, download evidence.

Tasks are filtered by fields (assignee, system owner, escalated to), never per row, so a list of any size
costs the same queries.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from access.choices import CampaignStatus, TaskStatus
from access.models import ReviewCampaign, RevocationTask
from access.services.revocations import may_complete

TASK_SORTS = {
    "due": ("status", "due_at", "pk"),
    "-due": ("status", "-due_at", "-pk"),
    "system": ("system__name", "due_at", "pk"),
    "created": ("-created_at", "-pk"),
}


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


def filter_tasks(tasks, *, status="", system=None, overdue=False, q="", sort="", now=None):
    if status:
        tasks = tasks.filter(status=status)
    if system is not None:
        tasks = tasks.filter(system=system)
    if overdue:
        tasks = tasks.filter(status=TaskStatus.OPEN, due_at__lte=now)
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
        raise PermissionDenied("You may read this task but not complete it.")
    return task


def get_campaign_to_close(user, pk) -> ReviewCampaign:
    """Closing is for security officers (others: 403); a campaign that does not exist is a 404."""
    campaign = get_object_or_404(ReviewCampaign.objects.select_related("policy", "close_confirmed_by"), pk=pk)
    if not user.is_security_officer:
        raise PermissionDenied("Only a security officer can close a campaign.")
    return campaign


def get_campaign_evidence(user, pk) -> ReviewCampaign:
    """Evidence is for security officers and auditors, and exists once the campaign is closed."""
    if not (user.is_security_officer or user.is_auditor):
        raise PermissionDenied("Campaign evidence is for security officers and auditors.")
    return get_object_or_404(ReviewCampaign, pk=pk, status=CampaignStatus.CLOSED)
