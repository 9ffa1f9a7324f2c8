"""A person acknowledges a policy version and answers their campaign's attestation questions.

``assignment_complete`` is all or nothing: the acknowledgement, every answer (a file checked by
``dpms.uploads`` and stored outside the web root under a random name) and the assignment marked done, or
nothing at all. A "no" needs its explanation and opens a follow-up for the person and their manager, due in
the policy's ``follow_up_days``. An acknowledgement is of one version: acknowledging v1 says nothing of v2.
``policy_acknowledge`` records the same from the policy's page, without a campaign.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dpms import audit, notify, uploads
from dpms.formats import show_date
from policies.choices import AssignmentStatus, CampaignStatus, QuestionKind
from policies.models import Acknowledgement, Answer, Assignment, AttestationQuestion, FollowUp, PolicyVersion
from policies.queries.attestations import campaign_questions, pending_assignments_for_version
from policies.queries.documents import policies_for_user, version_in_force

EXPLANATION_MAX = 4000
TEXT_MAX = 4000


def field_name(question: AttestationQuestion, part: str = "") -> str:
    """The name a question's answer (``part``: "", "explanation", "text", "file") goes by in a form and in
    this service's errors, so a refusal shows next to the right field."""
    return f"q{question.pk}_{part}" if part else f"q{question.pk}"


@dataclass
class Reply:
    """What a person answered to one question: yes/no (with the explanation a "no" needs), a text, a file."""

    yes: bool | None = None
    explanation: str = ""
    text: str = ""
    file: object | None = field(default=None, repr=False)


def validate_replies(questions, replies: dict[int, Reply]) -> dict[int, uploads.Inspected]:
    """Check every reply against its question; ``ValidationError`` keyed by the fields (``field_name``)
    otherwise. Returns what each file is, by question id."""
    errors: dict[str, list[str]] = {}
    files: dict[int, uploads.Inspected] = {}
    for question in questions:
        reply = replies.get(question.pk) or Reply()
        if question.kind == QuestionKind.YES_NO:
            if reply.yes is None:
                if question.required:
                    errors[field_name(question)] = [_("Answer yes or no.")]
            elif reply.yes is False and not reply.explanation.strip():
                errors[field_name(question, "explanation")] = [
                    _("Explain your “no”: what is missing, and why.")
                ]
            if len(reply.explanation) > EXPLANATION_MAX:
                errors[field_name(question, "explanation")] = [
                    _("At most %(max)d characters.") % {"max": EXPLANATION_MAX}
                ]
        elif question.kind == QuestionKind.TEXT:
            if question.required and not reply.text.strip():
                errors[field_name(question, "text")] = [_("This answer is required.")]
            elif len(reply.text) > TEXT_MAX:
                errors[field_name(question, "text")] = [_("At most %(max)d characters.") % {"max": TEXT_MAX}]
        elif question.kind == QuestionKind.FILE:
            if reply.file is None:
                if question.required:
                    errors[field_name(question, "file")] = [_("Attach the file this question asks for.")]
            else:
                try:
                    files[question.pk] = uploads.inspect_upload(
                        reply.file, max_bytes=settings.INCIDENT_ATTACHMENT_MAX_BYTES
                    )
                except ValidationError as error:
                    errors[field_name(question, "file")] = error.messages
    if errors:
        raise ValidationError(errors)
    return files


def _supersede(*, person, version: PolicyVersion) -> int:
    """Acknowledging ``version`` settles what the person still owed for older versions of the same policy:
    those assignments are excused (the newer text replaced them), their reminders withdrawn, and the audit
    trail says which. Returns how many."""
    older = list(
        Assignment.objects.select_for_update(of=("self",))
        .filter(
            person=person,
            status=AssignmentStatus.PENDING,
            campaign__policy_id=version.policy_id,
            campaign__version__number__lt=version.number,
        )
        .select_related("campaign__version")
        .order_by("pk")
    )
    if not older:
        return 0
    Assignment.objects.filter(pk__in=[a.pk for a in older]).update(status=AssignmentStatus.EXCUSED)
    for assignment in older:
        notify.withdraw(assignment.campaign, recipients=[person])
        notify.withdraw(assignment, recipients=[person])
    audit.record(
        action="policy.assignment.superseded",
        actor=person,
        obj=version.policy,
        changes={
            "version": version.number,
            "assignments": [a.pk for a in older],
            "older_versions": sorted({a.campaign.version.number for a in older}),
        },
    )
    return len(older)


def _acknowledge(*, person, version: PolicyVersion, assignment: Assignment | None, now) -> Acknowledgement:
    """The person's acknowledgement of ``version``: new, or the one they gave before (one per version; a
    yearly campaign of the same version finds it and keeps its date). What they owed for older versions of
    the policy is settled with it (``_supersede``)."""
    _supersede(person=person, version=version)
    found = Acknowledgement.objects.select_for_update().filter(person=person, version=version).first()
    if found is None:
        return Acknowledgement.objects.create(
            person=person, version=version, assignment=assignment, acknowledged_at=now
        )
    if found.assignment_id is None and assignment is not None:
        found.assignment = assignment
        found.save(update_fields=["assignment"])
    return found


def _answer_data(answer: Answer) -> dict:
    data: dict = {"question": answer.question_id, "text": answer.question.text}
    if answer.question.kind == QuestionKind.YES_NO:
        data["yes"] = answer.yes
        if answer.explanation:
            data["explanation"] = answer.explanation
    elif answer.question.kind == QuestionKind.TEXT:
        data["answer"] = answer.text
    elif answer.file_name:
        data["file"] = {
            "name": answer.file_name,
            "content_type": answer.file_content_type,
            "size": answer.file_size,
            "sha256": answer.file_sha256,
        }
    return data


def _open_follow_up(*, answer: Answer, assignment: Assignment, now) -> FollowUp:
    person = assignment.person
    manager = person.manager if person.manager_id else assignment.manager
    follow_up = FollowUp.objects.create(
        answer=answer,
        person=person,
        manager=manager,
        created_at=now,
        due_at=now + datetime.timedelta(days=assignment.campaign.policy.follow_up_days),
    )
    link = reverse("policies:follow_up_detail", args=[follow_up.pk])
    policy = assignment.campaign.policy.title
    due = show_date(follow_up.due_at)
    notify.notify(
        recipient=person,
        subject=format_lazy(gettext_lazy("Follow-up of your answer on {policy}"), policy=policy),
        body=format_lazy(
            gettext_lazy(
                'You answered "no" to "{question}" ({explanation}). Settle it with your manager by {due}.'
            ),
            question=answer.question.text,
            explanation=answer.explanation,
            due=due,
        ),
        link=link,
        dedup_key=f"policy-follow-up:{follow_up.pk}:person",
        topic=follow_up,
    )
    if manager is not None and manager.pk != person.pk:
        notify.notify(
            recipient=manager,
            subject=format_lazy(
                gettext_lazy("{person} answered no on {policy}"),
                person=person.full_name or person.email,
                policy=policy,
            ),
            body=format_lazy(
                gettext_lazy('"{question}": {explanation}. Agree what to do with them by {due}.'),
                question=answer.question.text,
                explanation=answer.explanation,
                due=due,
            ),
            link=link,
            dedup_key=f"policy-follow-up:{follow_up.pk}:manager",
            topic=follow_up,
        )
    return follow_up


@transaction.atomic
def assignment_complete(*, actor, assignment: Assignment, answers: dict[int, Reply], now=None) -> Assignment:
    """The assignee acknowledges the campaign's version and answers its questions, all at once: the
    acknowledgement, the answers and the assignment done, or nothing (a refusal names each field). Only
    the assignee, only while the campaign is open and the assignment pending. A "no" opens a follow-up.
    Audited as ``policy.acknowledge`` and ``policy.attest`` (the answers; a file by name and hash)."""
    now = now or timezone.now()
    # Locked: a double click, or two tabs, would otherwise both complete it and answer twice.
    locked = (
        Assignment.objects.select_for_update(of=("self",))
        .select_related("campaign__policy", "campaign__version", "person__manager")
        .get(pk=assignment.pk)
    )
    if locked.person_id != actor.pk or not actor.is_active:
        raise PermissionDenied(_("Only the person asked completes this."))
    if locked.status != AssignmentStatus.PENDING:
        raise ValidationError(_("You completed this already."))
    campaign = locked.campaign
    if campaign.status != CampaignStatus.OPEN:
        raise ValidationError(_("This campaign is closed: it no longer takes answers."))
    questions = list(campaign_questions(campaign))
    files = validate_replies(questions, answers)

    written: list[Answer] = []
    try:
        acknowledgement = _acknowledge(person=actor, version=campaign.version, assignment=locked, now=now)
        for question in questions:
            reply = answers.get(question.pk) or Reply()
            answer = Answer(assignment=locked, question=question, answered_at=now)
            if question.kind == QuestionKind.YES_NO:
                answer.yes = reply.yes
                answer.explanation = reply.explanation.strip() if reply.yes is False else ""
            elif question.kind == QuestionKind.TEXT:
                answer.text = reply.text.strip()
            elif question.pk in files:
                found = files[question.pk]
                # upload_to ignores the name given here: the stored name is random (attestations/YYYY/MM/…).
                answer.file.save(found.name, reply.file, save=False)
                answer.file_name = found.name
                answer.file_content_type = found.content_type
                answer.file_size = found.size
                answer.file_sha256 = found.sha256
            written.append(answer)
            answer.save()
            if answer.yes is False:
                _open_follow_up(answer=answer, assignment=locked, now=now)
        locked.status = AssignmentStatus.DONE
        locked.done_at = now
        locked.save(update_fields=["status", "done_at"])
        _record(actor=actor, assignment=locked, acknowledgement=acknowledgement, answers=written)
        # The campaign's reminders to this person (written with the campaign as topic) are settled now.
        notify.withdraw(campaign, recipients=[actor])
        notify.withdraw(locked, recipients=[actor])
    except Exception:
        for answer in written:
            if answer.file:
                answer.file.delete(save=False)  # no row points to it: do not keep the file
        raise
    return locked


def _record(
    *, actor, assignment: Assignment, acknowledgement: Acknowledgement, answers: list[Answer]
) -> None:
    version = assignment.campaign.version
    audit.record(
        action="policy.acknowledge",
        actor=actor,
        obj=version.policy,
        changes={
            "version": version.number,
            "body_sha256": version.body_sha256,
            "campaign": assignment.campaign_id,
            "assignment": assignment.pk,
            "acknowledgement": acknowledgement.pk,
        },
    )
    if answers:
        audit.record(
            action="policy.attest",
            actor=actor,
            obj=version.policy,
            changes={
                "version": version.number,
                "campaign": assignment.campaign_id,
                "assignment": assignment.pk,
                "answers": [_answer_data(answer) for answer in answers],
            },
        )


@transaction.atomic
def policy_acknowledge(*, actor, version: PolicyVersion, now=None) -> Acknowledgement:
    """Acknowledge the version in force from the policy's page, without a campaign: a person shows they read
    it. It completes their pending assignments of that version whose campaign asks no questions (those that
    ask some wait for the answers on the assignment's page)."""
    now = now or timezone.now()
    policy = policies_for_user(actor).filter(pk=version.policy_id).first()
    if policy is None:
        raise PermissionDenied(_("You may not read this policy."))
    current = version_in_force(policy, timezone.localdate(now))
    if current is None or current.pk != version.pk:
        raise ValidationError(_("Only the version in force is acknowledged here."))
    existing = Acknowledgement.objects.filter(person=actor, version=version).first()
    if existing is not None:
        raise ValidationError(
            _("You acknowledged version %(number)d on %(date)s.")
            % {"number": version.number, "date": show_date(existing.acknowledged_at)}
        )
    # Locked: the campaign's close would otherwise mark one "no response" while this marks it done.
    pending = list(
        pending_assignments_for_version(actor, version)
        .select_for_update(of=("self",))
        .select_related("campaign")
        .exclude(campaign__questions__isnull=False)
        .order_by("pk")
    )
    acknowledgement = Acknowledgement.objects.create(
        person=actor, version=version, assignment=pending[0] if pending else None, acknowledged_at=now
    )
    _supersede(person=actor, version=version)
    for assignment in pending:
        assignment.status = AssignmentStatus.DONE
        assignment.done_at = now
        assignment.save(update_fields=["status", "done_at"])
        notify.withdraw(assignment.campaign, recipients=[actor])  # its reminders to this person are settled
        notify.withdraw(assignment, recipients=[actor])
    audit.record(
        action="policy.acknowledge",
        actor=actor,
        obj=policy,
        changes={
            "version": version.number,
            "body_sha256": version.body_sha256,
            "acknowledgement": acknowledgement.pk,
            "assignments": [assignment.pk for assignment in pending],
        },
    )
    return acknowledgement
