"""Revocation tasks: what a review (or an expiry) asks a system owner to remove, tracked until done.

Overdue tasks are reminded daily to their owner, and escalated like review items: after
``ESCALATE_AFTER_OVERDUE_DAYS`` to the owner's manager (level 1; the owner can still act), after as many
again to the security officers (level 2). Each level happens once per task.
"""

from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.functional import lazy
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from access.choices import Decision, TaskStatus
from access.models import Grant, ReviewItem, RevocationTask
from access.queries.revocations import may_complete
from access.services.grants import grant_create, grant_revoke
from access.services.leavers import leaver_finding_check
from dpms import audit
from dpms.formats import show_date
from dpms.models import User
from dpms.notify import DigestItem, digest, notify, notify_each_once, withdraw

# A day written out when the text is, in its reader's language (notifications render per recipient).
lazy_date = lazy(show_date, str)

ESCALATE_AFTER_OVERDUE_DAYS = 3
LIST_LINK = "/access/revocations/"


def closing_tasks_topic(campaign_id: int) -> str:
    """The topic of the notice listing a campaign's revocation tasks to an owner after its close: done once
    that owner has done them all (``notify.withdraw``)."""
    return f"access-revocation-tasks:{campaign_id}"


@transaction.atomic
def revocation_task_done(*, task: RevocationTask, actor, note: str, now: datetime) -> RevocationTask:
    """Mark a task done with a note: revokes the grant if still active (and grants the downgrade role)."""
    if not note or not note.strip():
        raise ValidationError({"note": _("Say what was done, for example where the access was removed.")})
    # Lock the task: a double submit or two owners at once record one completion.
    task = (
        RevocationTask.objects.select_for_update(of=("self",))
        .select_related("system", "grant", "review_item__downgrade_to", "review_item__holder")
        .get(pk=task.pk)
    )
    if not may_complete(actor, task):
        raise ValidationError(_("Only the system owner or a security officer can complete this task."))
    if task.status != TaskStatus.OPEN:
        raise ValidationError(_("This task is done already."))
    note = note.strip()
    grant_revoke(actor=actor, grant=task.grant, reason=f"Revocation task #{task.pk}: {note}", now=now)
    item = task.review_item
    if item is not None and item.decision == Decision.DOWNGRADE and item.downgrade_to is not None:
        holds = Grant.objects.active().filter(user=item.holder, role=item.downgrade_to).exists()
        if item.holder.is_active and not holds:
            grant_create(actor=actor, user=item.holder, role=item.downgrade_to, justification=task.reason)
    if item is not None and item.applied_at is None:
        ReviewItem.objects.filter(pk=item.pk).update(applied_at=now, applied_by=actor)
    task.status, task.done_at, task.done_by, task.done_note = TaskStatus.DONE, now, actor, note
    task.save(update_fields=["status", "done_at", "done_by", "done_note"])
    audit.record(
        action="access.revocation.done",
        actor=actor,
        obj=task,
        changes={"status": [TaskStatus.OPEN, TaskStatus.DONE], "note": note, "grant": task.grant_id},
    )
    if item is not None and task.assignee_id is not None:
        owed = RevocationTask.objects.filter(
            review_item__campaign_id=item.campaign_id, assignee_id=task.assignee_id, status=TaskStatus.OPEN
        )
        if not owed.exists():  # the owner's last task of that review: its notice is owed no more
            withdraw(closing_tasks_topic(item.campaign_id), recipients=[task.assignee_id])
    if task.leaver:  # the leaver's last task done: their finding resolves itself
        leaver_finding_check(person_id=task.grant.user_id, actor=actor, now=now)
    return task


def remind_overdue_tasks(*, now: datetime) -> int:
    """Tick step: one daily digest per owner of overdue tasks, and escalation of long-overdue tasks.
    Returns how many digests and escalations were new."""
    return _escalate_tasks(now) + _remind_owners(now)


def _remind_owners(now: datetime) -> int:
    overdue = RevocationTask.objects.filter(status=TaskStatus.OPEN, due_at__lte=now).select_related(
        "assignee", "system__owner", "grant__user", "grant__role__system"
    )
    items = []
    for task in overdue.order_by("due_at").iterator(chunk_size=2000):
        owner = task.assignee or task.system.owner
        if owner is not None and owner.is_active:
            items.append(
                DigestItem(
                    recipient=owner,
                    text=format_lazy(
                        gettext_lazy("{task} (due {date})"), task=str(task), date=lazy_date(task.due_at)
                    ),
                    link=LIST_LINK,
                )
            )
    return digest(
        items=items,
        subject=gettext_lazy("Overdue access revocations"),
        intro=gettext_lazy("These revocations are overdue. Remove the access, then mark each task done."),
        dedup_prefix=f"access-revocation-overdue:{now:%Y-%m-%d}",
    )


def _escalate_tasks(now: datetime) -> int:
    escalated = 0
    step = timedelta(days=ESCALATE_AFTER_OVERDUE_DAYS)
    for target, before in ((2, now - 2 * step), (1, now - step)):
        with transaction.atomic():
            # skip_locked: tasks held by another worker (or being completed) are left for the next tick.
            tasks = list(
                RevocationTask.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(status=TaskStatus.OPEN, due_at__lte=before, escalation_level__lt=target)
                .select_related("assignee__manager", "system__owner", "grant__user", "grant__role__system")
            )
            for task in tasks:
                escalated += _escalate_task(task, target)
    return escalated


def _escalate_task(task: RevocationTask, target: int) -> int:
    owner = task.assignee or task.system.owner
    manager = owner.manager if owner is not None else None
    level, person = target, None
    if target == 1 and manager is not None and manager.is_active:
        person = manager
    elif target == 1:
        level = 2
    # Conditional update: each level once per task, however many ticks run.
    fields = {"escalation_level": level} | ({"escalated_to": person} if person else {})
    if not RevocationTask.objects.filter(pk=task.pk, escalation_level=task.escalation_level).update(**fields):
        return 0
    to_whom = person.full_name if person else "the security officers"
    audit.record(
        action="access.revocation.escalate",
        obj=task,
        changes={"escalation_level": [task.escalation_level, level], "escalated_to": to_whom},
    )
    link = f"/access/revocations/{task.pk}/"
    notify_each_once(
        [person] if person else User.objects.security_officers(),
        subject=format_lazy(gettext_lazy("Escalated to you: overdue revocation {task}"), task=str(task)),
        body=format_lazy(
            gettext_lazy("{reason}\nDue {date}; the system owner has not done it yet."),
            reason=task.reason,
            date=lazy_date(task.due_at),
        ),
        link=link,
        dedup_key=f"access-revocation-escalation:{task.pk}:L{level}",
    )
    if owner is not None and owner.is_active:
        notify(
            recipient=owner,
            subject=(
                format_lazy(
                    gettext_lazy("Overdue revocation escalated to {person}: {task}"),
                    person=to_whom,
                    task=str(task),
                )
                if person
                else format_lazy(
                    gettext_lazy("Overdue revocation escalated to the security officers: {task}"),
                    task=str(task),
                )
            ),
            body=gettext_lazy("You can still complete it."),
            link=link,
            dedup_key=f"access-revocation-escalation:{task.pk}:L{level}:owner",
        )
    return 1
