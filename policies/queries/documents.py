"""Reads of policy documents: the version in force, whom a policy applies to, who may read and change which
policy, the library's list with its filters, and what changed between two versions.

Everyone reads the policies that apply to them (and those they were asked to acknowledge, or acknowledged,
even after the audience changed); security officers and auditors read them all; a policy's owner reads
theirs. Security officers create policies and change any; an owner changes their own policy's settings,
questions and versions. A policy someone may not read is a 404; one they read but may not change, a 403.
"""

from __future__ import annotations

import datetime
import difflib
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, F, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from policies.choices import Audience
from policies.models import Acknowledgement, Assignment, AttestationQuestion, Policy, PolicyVersion


def may_create_policies(user) -> bool:
    """Security officers write new policies."""
    return bool(user.is_authenticated and user.is_security_officer)


def reads_all_policies(user) -> bool:
    """Security officers and auditors read every policy, archived ones included."""
    return bool(user.is_authenticated and (user.is_security_officer or user.is_auditor))


def may_edit_policy(user, policy: Policy) -> bool:
    """Security officers change any policy; its owner changes their own (settings, questions, versions)."""
    if not user.is_authenticated or not user.is_active:
        return False
    return user.is_security_officer or policy.owner_id == user.pk


def may_publish_version(user, policy: Policy) -> bool:
    """Who publishes a new version: the same people who edit it (officers, and the owner of their own)."""
    return may_edit_policy(user, policy)


def _role_names(person) -> list[str]:
    return [
        role
        for role, has in (
            ("security officer", person.is_security_officer),
            ("auditor", person.is_auditor),
            ("admin", person.is_admin),
        )
        if has
    ]


def applies_q(person) -> Q:
    """The condition "this policy applies to ``person``" over Policy rows, without joins (no duplicates):
    everyone; a team the person is in; a portal role the person holds."""
    if not person.is_authenticated or not person.is_active:
        return Q(pk__in=[])
    condition = Q(audience=Audience.EVERYONE)
    if person.team_id:
        in_team = Policy.teams.through.objects.filter(policy_id=OuterRef("pk"), team_id=person.team_id)
        condition |= Q(Exists(in_team), audience=Audience.TEAMS)
    # A JSON list of role names: the quoted name is one whole element (no role name holds a quote).
    held = [Q(portal_roles__icontains=f'"{role}"') for role in _role_names(person)]
    if held:
        roles = held[0]
        for one in held[1:]:
            roles |= one
        condition |= Q(roles, audience=Audience.ROLES)
    return condition


def applies_to(policy: Policy, person) -> bool:
    """Whether ``person`` must acknowledge ``policy`` (its audience: everyone, their team, their portal
    role). Reads the policy's teams through ``policy.teams.all()``: prefetch them for many policies."""
    if not person.is_active:
        return False
    if policy.audience == Audience.EVERYONE:
        return True
    if policy.audience == Audience.TEAMS:
        return person.team_id is not None and any(team.pk == person.team_id for team in policy.teams.all())
    if policy.audience == Audience.ROLES:
        return bool(set(policy.portal_roles or []) & set(_role_names(person)))
    return False


def policies_applying_to(person) -> QuerySet[Policy]:
    """The policies, not archived, that ``person`` must acknowledge."""
    return Policy.objects.filter(applies_q(person), archived=False)


def _involved_q(user) -> Q:
    """Policies ``user`` was asked to acknowledge or acknowledged: they keep reading those."""
    asked = Assignment.objects.filter(person=user, campaign__policy=OuterRef("pk"))
    acknowledged = Acknowledgement.objects.filter(person=user, version__policy=OuterRef("pk"))
    return Q(Exists(asked)) | Q(Exists(acknowledged))


def policies_for_user(user) -> QuerySet[Policy]:
    """The policies ``user`` may read (archived ones included: the library hides them by default)."""
    if not user.is_authenticated or not user.is_active:
        return Policy.objects.none()
    if reads_all_policies(user):
        return Policy.objects.all()
    return Policy.objects.filter(applies_q(user) | Q(owner=user) | _involved_q(user))


def get_policy_for_user(user, pk, *, for_change: bool = False) -> Policy:
    """The policy ``pk`` if ``user`` may read it (404 otherwise); with ``for_change``, 403 unless they may
    also change it."""
    policy = policies_for_user(user).select_related("owner").filter(pk=pk).first()
    if policy is None:
        raise Http404("No such policy.")
    if for_change and not may_edit_policy(user, policy):
        raise PermissionDenied("Only security officers and the policy's owner change it.")
    return policy


def version_in_force(policy: Policy, today: datetime.date) -> PolicyVersion | None:
    """The latest published version whose effective date has come (None before the first one's)."""
    return policy.versions.filter(effective_date__lte=today).order_by("-number").first()


def versions_of(policy: Policy) -> QuerySet[PolicyVersion]:
    """Every version of ``policy``, newest first, with who published it."""
    return policy.versions.select_related("published_by").order_by("-number")


def get_version(policy: Policy, number: int) -> PolicyVersion:
    version = policy.versions.select_related("published_by").filter(number=number).first()
    if version is None:
        raise Http404("No such version.")
    return version


def previous_version(version: PolicyVersion) -> PolicyVersion | None:
    return (
        PolicyVersion.objects.filter(policy_id=version.policy_id, number__lt=version.number)
        .order_by("-number")
        .first()
    )


def last_version_number(policy: Policy) -> int:
    last = policy.versions.order_by("-number").values_list("number", flat=True).first()
    return last or 0


def template_questions(policy: Policy) -> QuerySet[AttestationQuestion]:
    """The questions a policy's next campaigns will ask, in order."""
    return AttestationQuestion.objects.filter(policy=policy).order_by("position", "pk")


def get_template_question(policy: Policy, pk) -> AttestationQuestion:
    question = template_questions(policy).filter(pk=pk).first()
    if question is None:
        raise Http404("No such question.")
    return question


def has_acknowledged(person, version: PolicyVersion) -> bool:
    return Acknowledgement.objects.filter(person=person, version=version).exists()


def acknowledgement_of(person, version: PolicyVersion) -> Acknowledgement | None:
    return Acknowledgement.objects.filter(person=person, version=version).first()


# --- The library ------------------------------------------------------------------------------------------


def library(
    user,
    *,
    today: datetime.date,
    q: str = "",
    audience: str = "",
    archived: bool = False,
    mine: bool = False,
    sort: str = "",
) -> QuerySet[Policy]:
    """The library's rows for ``user``: the policies they may read, filtered, each with its version in
    force (``current_number``, ``current_effective``), whether ``user`` acknowledged it (``acknowledged``)
    and whether it applies to them (``applies``). One query for the page, one for the count."""
    in_force = PolicyVersion.objects.filter(policy=OuterRef("pk"), effective_date__lte=today).order_by(
        "-number"
    )
    rows = (
        policies_for_user(user)
        .select_related("owner")
        .annotate(
            current_id=Subquery(in_force.values("pk")[:1]),
            current_number=Subquery(in_force.values("number")[:1]),
            current_effective=Subquery(in_force.values("effective_date")[:1]),
        )
        .annotate(
            acknowledged=Exists(
                Acknowledgement.objects.filter(person=user, version_id=OuterRef("current_id"))
            ),
        )
    )
    if user.is_authenticated and user.is_active:
        applies = Policy.objects.filter(applies_q(user), pk=OuterRef("pk"))
        rows = rows.annotate(applies=Exists(applies))
    if not archived:
        rows = rows.filter(archived=False)
    if audience:
        rows = rows.filter(audience=audience)
    if mine:
        rows = rows.filter(applies_q(user))
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    if sort == "effective":
        return rows.order_by(F("current_effective").desc(nulls_last=True), "title", "pk")
    return rows.order_by("title", "pk")


# --- What changed between two versions --------------------------------------------------------------------


@dataclass(frozen=True)
class DiffLine:
    """One line of "what changed": ``kind`` is "added", "removed" or "same"; ``text`` is the Markdown line,
    shown as text (never rendered)."""

    kind: str
    text: str


def changed_lines(before: str, after: str, *, context: int = 3) -> list[DiffLine | None]:
    """The line diff of two Markdown texts: changed lines with ``context`` unchanged ones around them;
    ``None`` marks unchanged lines left out."""
    old, new = before.splitlines(), after.splitlines()
    lines: list[DiffLine | None] = []
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for group in matcher.get_grouped_opcodes(context):
        if lines:
            lines.append(None)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                lines.extend(DiffLine("same", text) for text in old[i1:i2])
                continue
            if tag in ("replace", "delete"):
                lines.extend(DiffLine("removed", text) for text in old[i1:i2])
            if tag in ("replace", "insert"):
                lines.extend(DiffLine("added", text) for text in new[j1:j2])
    return lines
