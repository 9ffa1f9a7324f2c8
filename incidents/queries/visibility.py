"""Who sees and changes which incident.

- Reporters see their own incidents, never internal timeline lines or internal attachments.
- Security officers see every incident that is not confidential; a confidential incident only when they
  handle it or it is shared with them.
- A confidential incident is visible to its handler, the people it is shared with (django-guardian object
  permission ``incidents.view_confidential_incident``), its reporter, and auditors.
- Auditors read everything and change nothing.

Sets are filtered in one queryset (a subquery on guardian's table), never by a per-row permission check.
An incident the user may not see is a 404; one they see but may not change is a 403.
"""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext

from dpms.models import PortalRole, User
from dpms.queries import object_shares, shared_object_ids
from incidents.models import Incident

SHARE_PERMISSION = "view_confidential_incident"


def _shared(user):
    """The ids of the incidents shared with ``user``, as a subquery."""
    return shared_object_ids(user, Incident, [SHARE_PERMISSION])


def incidents_for_user(user):
    """Every incident ``user`` may see, in one queryset."""
    incidents = Incident.objects.all()
    if not user.is_authenticated or not user.is_active:
        return incidents.none()
    if user.is_auditor:
        return incidents
    seen = Q(reported_by=user) | Q(handler=user) | Q(pk__in=_shared(user))
    if user.is_security_officer:
        seen |= Q(confidential=False)
    return incidents.filter(seen)


def internal_q(user) -> Q:
    """The incidents whose internal side (internal lines, breach and escalation details) ``user`` sees, as
    a Q for a queryset of incidents; the set form of ``sees_internal``. Being the reporter alone is not
    enough: a reporter follows their incident without its internal details."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if user.is_auditor:
        return Q()
    seen = Q(handler=user)
    if user.is_security_officer:
        seen |= Q(confidential=False) | Q(pk__in=_shared(user))
    else:
        seen |= Q(pk__in=_shared(user)) & ~Q(reported_by=user)
    return seen


def incidents_with_internal_for_user(user):
    """Every incident whose internal side ``user`` sees (registers, clocks, metrics of handling)."""
    if not user.is_authenticated or not user.is_active:
        return Incident.objects.none()
    return Incident.objects.filter(internal_q(user))


def is_shared_with(user, incident: Incident) -> bool:
    return _shared(user).filter(object_pk=str(incident.pk)).exists()


def can_see(user, incident: Incident) -> bool:
    return incidents_for_user(user).filter(pk=incident.pk).exists()


def is_responder(user, incident: Incident) -> bool:
    """Handles the incident: its handler, or a security officer who may see it. Responders acknowledge,
    move it along the workflow, comment internally and run its clocks. Auditors are never responders."""
    if not user.is_active or (user.is_auditor and not user.is_security_officer):
        return False
    if incident.handler_id == user.pk:
        return True
    if not user.is_security_officer:
        return False
    return not incident.confidential or is_shared_with(user, incident)


def can_triage(user, incident: Incident) -> bool:
    """Severity, handler, category, dismissal, confidentiality and shares: security officers only."""
    return user.is_active and user.is_security_officer and is_responder(user, incident)


def sees_internal(user, incident: Incident) -> bool:
    """Internal timeline lines and attachments: everyone who may see the incident except a reporter who
    has no other reason to see it."""
    if not user.is_active:
        return False
    if user.is_auditor or is_responder(user, incident):
        return True
    return incident.reported_by_id != user.pk and can_see(user, incident)


def can_take_part(user, incident: Incident, *, responder: bool | None = None) -> bool:
    """Comment, add information, update one's follow-up actions: anyone who sees the incident but an auditor
    who does not respond to it (auditors read and change nothing). ``responder``: ``is_responder``, if
    known already."""
    if not user.is_auditor:
        return True
    return is_responder(user, incident) if responder is None else responder


def is_only_reporter(user, incident: Incident, *, responder: bool | None = None) -> bool:
    """The reporter, with no other part in the incident: not a responder, not an auditor."""
    if incident.reported_by_id != user.pk or user.is_auditor:
        return False
    return not (is_responder(user, incident) if responder is None else responder)


def shared_with(incident: Incident) -> list[User]:
    """The people a confidential incident is shared with, by name (one query)."""
    rows = object_shares(incident, [SHARE_PERMISSION])
    return sorted((row.user for row in rows), key=lambda user: (user.full_name, user.email))


def can_report(user) -> bool:
    return user.is_authenticated and user.is_active


def is_outside_reporter(user) -> bool:
    """The stand-in for a reporter without an account (guardian's anonymous user: inactive, no password), who
    files reports from the public disclosure form and adds to them through their private link."""
    return bool(user is not None and not user.is_active and user.email == settings.ANONYMOUS_USER_NAME)


def get_incident_for_user(user, pk, *, for_change: bool = False, for_triage: bool = False) -> Incident:
    """An incident ``user`` may see (404 otherwise); ``for_change``: one they respond to (403 otherwise);
    ``for_triage``: one they may triage (403 otherwise)."""
    incident = get_object_or_404(
        incidents_for_user(user).select_related("reported_by", "handler", "triaged_by", "acknowledged_by"),
        pk=pk,
    )
    if for_triage and not can_triage(user, incident):
        raise PermissionDenied(gettext("Only security officers handling this incident triage it."))
    if for_change and not is_responder(user, incident):
        raise PermissionDenied(gettext("Only the handler and the security officers change this incident."))
    return incident


def security_officers_for(incident: Incident):
    """The active security officers who may see ``incident`` (all of them, or only those added to a
    confidential one): who "the security officers" means for notifications and escalation."""
    officers = User.objects.security_officers()
    if incident.confidential:
        shared = object_shares(incident, [SHARE_PERMISSION]).values("user_id")
        officers = officers.filter(Q(pk=incident.handler_id) | Q(pk__in=shared))
    return officers.order_by("full_name", "email")


def admins():
    return User.objects.holding(PortalRole.ADMIN).order_by("full_name", "email")
