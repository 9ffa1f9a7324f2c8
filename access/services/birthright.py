"""Birthright access: the roles every joiner of a team is given on their first day (team → roles), set by
security officers. The grants carry the source "birthright" and are reviewed like any other.

``dpms.services.user_invite`` (every way a person is created: the admin, ``invite_user``, the API, SCIM,
SSO) tells us through the portal's joiner listeners, inside its transaction. A person who joins a team
later (a mover, or a directory that sets the team after creating the person) is given that team's
birthright the same way; their birthright grants that the new team does not give go into their mover
review (``access.services.movers``).
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from access.choices import GrantSource
from access.models import BirthrightRule, Grant, Role
from access.services.grants import grants_create_many
from dpms import audit
from dpms.models import Team


def _rule_changes(rule: BirthrightRule) -> dict:
    return {"team": rule.team.name, "system": rule.role.system.name, "role": rule.role.name}


@transaction.atomic
def birthright_rule_add(*, actor, team: Team, role: Role) -> BirthrightRule:
    """Every future joiner of ``team`` gets ``role``. Baseline access only: a privileged role is requested and
    approved, and the portal's roles are given in People, never by birthright. People already in the team
    are not given it (a rule is about joiners; existing access is requested)."""
    if role.privileged:
        raise ValidationError(
            {"role": _("Privileged roles are not given by birthright: they are requested.")}
        )
    if role.system.is_portal:
        raise ValidationError({"role": _("Portal roles are given in People, not by birthright.")})
    try:
        with transaction.atomic():
            rule = BirthrightRule.objects.create(
                team=team, role=role, created_by=actor if getattr(actor, "is_authenticated", False) else None
            )
    except IntegrityError:
        raise ValidationError(
            {"role": _("Joiners of %(team)s get %(role)s already.") % {"team": team, "role": role}}
        ) from None
    audit.record(action="access.birthright.add", actor=actor, obj=rule, changes=_rule_changes(rule))
    return rule


@transaction.atomic
def birthright_rule_remove(*, actor, rule: BirthrightRule) -> None:
    """Stop giving the role to joiners of the team. Grants given already stay (their reviews decide)."""
    audit.record(action="access.birthright.remove", actor=actor, obj=rule, changes=_rule_changes(rule))
    rule.delete()


def birthright_roles(team_id: int | None) -> set[int]:
    """The ids of the roles joiners of the team are given (none without a team)."""
    if team_id is None:
        return set()
    return set(BirthrightRule.objects.filter(team_id=team_id).values_list("role_id", flat=True))


@transaction.atomic
def birthright_grant(*, user, actor, now=None) -> list[Grant]:
    """Give ``user`` their team's birthright roles they do not hold yet (source "birthright"); the grants are
    audited one by one, as any grant. Returns the grants given."""
    if user.team_id is None or not user.is_active:
        return []
    now = now or timezone.now()
    held = set(Grant.objects.active().filter(user=user).values_list("role_id", flat=True))
    # Baseline roles only, even if a rule's role was made privileged after the rule was set: privileged
    # access is requested, never given by birthright.
    roles = list(
        Role.objects.filter(birthright_rules__team_id=user.team_id, privileged=False, system__is_portal=False)
        .exclude(pk__in=held)
        .select_related("system")
        .order_by("system__name", "name")
    )
    if not roles:
        return []
    justification = f"Birthright of the team {user.team.name}: given to every joiner of the team."
    return grants_create_many(
        actor=actor,
        grants=[
            {"user": user, "role": role, "source": GrantSource.BIRTHRIGHT, "justification": justification}
            for role in roles
        ],
        now=now,
    )


def on_person_joined(*, user, actor) -> None:
    """Joiner listener (``dpms.portal.App.joiner_listeners``)."""
    birthright_grant(user=user, actor=actor)


def on_person_changed(*, user, before: dict, actor) -> None:
    """Person listener (``dpms.portal.App.person_listeners``): joining a team gives its birthright."""
    if before.get("team_id") != user.team_id:
        birthright_grant(user=user, actor=actor)
