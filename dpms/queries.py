"""Reads of the foundation: access helpers and querysets for pages and API alike."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from dpms.models import AuditEvent, Notification


def audit_events_for_user(user):
    """The audit trail, for the people who may read it (auditors, security officers, admins); else 403."""
    if not user.can_read_audit:
        raise PermissionDenied("The audit trail is for auditors and security officers.")
    # No select_related("actor"): pages and exports show the kept ``actor_label``, which outlives the user.
    return AuditEvent.objects.all()


def filter_audit_events(
    events, *, actor="", action="", object_type="", object_id="", object_text="", date_from=None, date_to=None
):
    """Apply the audit trail page's filters; dates are inclusive calendar days in the current timezone."""
    from datetime import datetime, time, timedelta

    from django.db.models import Q
    from django.utils import timezone

    if actor:
        events = events.filter(Q(actor_label__icontains=actor) | Q(actor__email__iexact=actor))
    if action:
        events = events.filter(action__startswith=action)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if object_text:
        events = events.filter(object_label__icontains=object_text)
    tz = timezone.get_current_timezone()
    if date_from:
        events = events.filter(occurred_at__gte=datetime.combine(date_from, time.min, tzinfo=tz))
    if date_to:
        day_after = date_to + timedelta(days=1)
        events = events.filter(occurred_at__lt=datetime.combine(day_after, time.min, tzinfo=tz))
    return events


def notifications_for_user(user):
    return Notification.objects.filter(recipient=user)


def get_notification_for_user(user, pk):
    """A notification is only ever its recipient's: anyone else gets a 404."""
    return get_object_or_404(Notification, pk=pk, recipient=user)
