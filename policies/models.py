"""Policies and attestations: policy documents in versions, the campaigns that ask people to acknowledge a
version and answer its attestation questions, their answers, and the follow-ups a "no" opens.

A campaign is the same mechanism as an access review (``dpms.campaigns``): a population frozen at launch
(count and SHA-256), reminders one digest per person per step, escalation to the person's manager and then
to the security officers, and evidence frozen at close (a CSV in chunks plus a manifest with its SHA-256).
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from policies.choices import (
    AssignmentStatus,
    Audience,
    CampaignKind,
    CampaignStatus,
    FollowUpStatus,
    QuestionKind,
)

USER = settings.AUTH_USER_MODEL


class Policy(models.Model):
    """A policy document (its text is in its versions), who must acknowledge it and its yearly calendar."""

    title = models.CharField(max_length=200, unique=True)
    summary = models.CharField(max_length=300, blank=True)
    owner = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="owned_policies")
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.EVERYONE)
    teams = models.ManyToManyField("dpms.Team", blank=True, related_name="policies")
    # PortalRole values ("security officer", "auditor", "admin"); with Audience.ROLES.
    portal_roles = models.JSONField(default=list, blank=True)
    # The calendar: the tick launches a yearly campaign for the current version when next_run_at passes.
    yearly = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(null=True, blank=True)
    duration_days = models.PositiveIntegerField(default=14)
    # Reminder steps and escalation, as an access review policy has them (dpms.campaigns.Schedule).
    reminder_days_before_due = models.JSONField(default=list, blank=True)
    remind_at_launch = models.BooleanField(default=True)
    remind_at_half_time = models.BooleanField(default=False)
    remind_daily_when_overdue = models.BooleanField(default=True)
    escalate_after_overdue_days = models.PositiveIntegerField(default=3)
    # Days a "no" answer's follow-up is given.
    follow_up_days = models.PositiveIntegerField(default=30)
    archived = models.BooleanField(default=False)
    created_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "policies"

    def __str__(self):
        return self.title


class PolicyVersion(models.Model):
    """One version of a policy's text (Markdown, rendered with raw HTML off). Published versions never
    change: a new text is a new version, and the old ones stay readable. The version in force is the latest
    published one whose effective date has come."""

    policy = models.ForeignKey(Policy, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    change_summary = models.TextField(blank=True)
    effective_date = models.DateField()
    published_at = models.DateTimeField(default=timezone.now)
    published_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body_sha256 = models.CharField(max_length=64)

    class Meta:
        ordering = ["policy", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "number"], name="one_policy_version_per_number"),
        ]

    def __str__(self):
        return f"{self.policy} v{self.number}"


class AttestationQuestion(models.Model):
    """A question asked with a policy's campaigns. Kept on the policy as a template (``policy`` set) and
    copied onto each campaign at launch (``campaign`` set), so a campaign's questions never change under
    the answers given to them."""

    policy = models.ForeignKey(
        Policy, null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    campaign = models.ForeignKey(
        "PolicyCampaign", null=True, blank=True, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(max_length=8, choices=QuestionKind.choices, default=QuestionKind.YES_NO)
    text = models.CharField(max_length=300)
    help_text = models.CharField(max_length=300, blank=True)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(policy__isnull=False, campaign__isnull=True)
                | Q(policy__isnull=True, campaign__isnull=False),
                name="question_on_a_policy_or_a_campaign",
            ),
        ]

    def __str__(self):
        return self.text


class PolicyCampaign(models.Model):
    """One round of acknowledgement of one version: yearly, ad hoc (launched by a security officer), or
    for joiners (the people who joined since the last one, due within POLICY_JOINER_DAYS)."""

    policy = models.ForeignKey(Policy, on_delete=models.PROTECT, related_name="campaigns")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="campaigns")
    kind = models.CharField(max_length=10, choices=CampaignKind.choices, default=CampaignKind.SCHEDULED)
    name = models.CharField(max_length=200)
    period_key = models.CharField(max_length=40, help_text="e.g. 2026, adhoc-…, joiners-2026-12-07")
    status = models.CharField(max_length=10, choices=CampaignStatus.choices, default=CampaignStatus.LAUNCHING)
    launched_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    launched_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    closes_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    population_count = models.PositiveIntegerField(default=0)
    population_sha256 = models.CharField(max_length=64, blank=True)
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    evidence_generated_at = models.DateTimeField(null=True, blank=True)
    evidence_manifest = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-launched_at"]
        constraints = [
            models.UniqueConstraint(fields=["policy", "period_key"], name="one_policy_campaign_per_period"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_open(self):
        return self.status == CampaignStatus.OPEN


class PolicyEvidenceChunk(models.Model):
    """A piece of a closed campaign's evidence CSV, in order (``dpms.campaigns`` writes and streams them)."""

    campaign = models.ForeignKey(PolicyCampaign, on_delete=models.CASCADE, related_name="evidence_chunks")
    position = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "position"], name="one_policy_evidence_chunk_per_position"
            ),
        ]

    def __str__(self):
        return f"evidence of policy campaign {self.campaign_id}, part {self.position + 1}"


class Assignment(models.Model):
    """One person in a campaign's population: to read and acknowledge the version and answer its
    questions. The snapshot (label, team, manager) keeps the evidence true after people change."""

    campaign = models.ForeignKey(PolicyCampaign, on_delete=models.CASCADE, related_name="assignments")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="policy_assignments")
    person_label = models.CharField(max_length=300)
    team_name = models.CharField(max_length=120, blank=True)
    manager = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(
        max_length=12, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING
    )
    done_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    escalated_to = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["person_label", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "person"], name="one_assignment_per_person"),
        ]
        indexes = [
            models.Index(fields=["person", "status"]),
            models.Index(fields=["campaign", "status"]),
            models.Index(fields=["campaign", "team_name", "status"], name="assignment_by_team"),
        ]

    def __str__(self):
        return f"{self.person_label}: {self.campaign}"


class Acknowledgement(models.Model):
    """A person read and acknowledged one version. Per version: acknowledging v1 says nothing of v2."""

    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="policy_acknowledgements")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acknowledgements")
    assignment = models.ForeignKey(
        Assignment, null=True, blank=True, on_delete=models.SET_NULL, related_name="acknowledgements"
    )
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-acknowledged_at"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="one_acknowledgement_per_version"),
        ]

    def __str__(self):
        return f"{self.person} acknowledged {self.version}"


def attestation_upload_to(instance, filename):
    import uuid

    now = timezone.now()
    return f"attestations/{now:%Y/%m}/{uuid.uuid4().hex}"


class Answer(models.Model):
    """A person's answer to one question of their campaign. A "no" needs an explanation and opens a
    follow-up; a file is checked as incidents' attachments are (``dpms.uploads``)."""

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(AttestationQuestion, on_delete=models.PROTECT, related_name="answers")
    yes = models.BooleanField(null=True, blank=True)
    explanation = models.TextField(blank=True)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=attestation_upload_to, blank=True, max_length=200)
    file_name = models.CharField(max_length=200, blank=True)
    file_content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(null=True, blank=True)
    file_sha256 = models.CharField(max_length=64, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["question__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "question"], name="one_answer_per_question"),
            models.CheckConstraint(
                condition=~Q(yes=False) | ~Q(explanation=""), name="a_no_answer_has_an_explanation"
            ),
        ]

    def __str__(self):
        return f"{self.assignment.person_label}: {self.question}"


class FollowUp(models.Model):
    """What a "no" asks of the person and their manager, due by ``due_at``; security officers see them all."""

    answer = models.OneToOneField(Answer, on_delete=models.CASCADE, related_name="follow_up")
    person = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="policy_follow_ups")
    manager = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=FollowUpStatus.choices, default=FollowUpStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(USER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolution = models.TextField(blank=True)

    class Meta:
        ordering = ["status", "due_at"]
        indexes = [
            models.Index(fields=["due_at"], condition=Q(status="open"), name="open_policy_follow_ups"),
        ]

    def __str__(self):
        return f"Follow-up: {self.answer}"
