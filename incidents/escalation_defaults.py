"""The default escalation policies, and the lazy creation of a severity's policy row from them.

Issue 5 reads: "SEV1 tells the security officers at once and escalates to the admins after 15 minutes,
repeating every 15 minutes three times; SEV2 after 60 minutes; SEV3 and SEV4 after a working day.
Unresolved-time targets too: SEV1 not contained within 4 hours, SEV2 within 24 hours, escalate." We read it
as follows (PagerDuty and Opsgenie policies have the same shape: ordered levels, each a delay and a target):

=========  ==================================================  =====================================
Policy     Not acknowledged (from when the severity was set)   Not contained (from when reported)
=========  ==================================================  =====================================
SEV1       level 1 at once: the security officers;             level 1 after 4 hours: the admins
           level 2 after 15 minutes: the admins, repeated
           every 15 minutes three times (15, 30, 45, 60)
SEV2       level 1 at once: the security officers;             level 1 after 24 hours: the admins
           level 2 after 60 minutes: the admins
SEV3/SEV4  level 1 at once: the security officers;             none
           level 2 after one working day: the admins
Untriaged  level 1 after 30 minutes: the security officers;    none
(0)        level 2 after 4 hours: the admins (from the report,
           while it is reported and nobody acknowledged it)
=========  ==================================================  =====================================

"One working day" is 1440 minutes of working time: only Monday to Friday count, in the portal's time zone
(``settings.TIME_ZONE``), so an incident triaged on Friday at 16:00 reaches the admins on Monday at 16:00.

The untriaged policy is stored as the policy of "severity" 0 (``UNTRIAGED``); incidents themselves keep the
four severities.

A severity without a policy row gets one created from these defaults the first time it is needed
(``policy_for``); security officers then edit it on the escalation policy pages. Creating it is idempotent:
two processes creating the same policy at once both end up with the one row.
"""

from django.db import IntegrityError, transaction

from incidents.choices import EscalationTarget, EscalationTrigger, Severity
from incidents.models import EscalationLevel, EscalationPolicy

WORKING_DAY_MINUTES = 24 * 60
UNTRIAGED = 0  # the policy of reports not triaged yet
POLICY_SEVERITIES = (UNTRIAGED, *Severity.values)  # in the order the policy pages show them

_UNACK = EscalationTrigger.UNACKNOWLEDGED
_UNCONTAINED = EscalationTrigger.UNCONTAINED


def _level(trigger, position, after_minutes, target, *, working_time=False, repeat_count=0, every=None):
    return {
        "trigger": trigger,
        "position": position,
        "after_minutes": after_minutes,
        "working_time": working_time,
        "target": target,
        "person": None,
        "repeat_count": repeat_count,
        "repeat_every_minutes": every,
    }


_TELL_OFFICERS = _level(_UNACK, 1, 0, EscalationTarget.SECURITY_OFFICERS)

DEFAULT_LEVELS: dict[int, tuple[dict, ...]] = {
    UNTRIAGED: (
        _level(_UNACK, 1, 30, EscalationTarget.SECURITY_OFFICERS),
        _level(_UNACK, 2, 4 * 60, EscalationTarget.ADMINS),
    ),
    Severity.SEV1: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, 15, EscalationTarget.ADMINS, repeat_count=3, every=15),
        _level(_UNCONTAINED, 1, 4 * 60, EscalationTarget.ADMINS),
    ),
    Severity.SEV2: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, 60, EscalationTarget.ADMINS),
        _level(_UNCONTAINED, 1, 24 * 60, EscalationTarget.ADMINS),
    ),
    Severity.SEV3: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, WORKING_DAY_MINUTES, EscalationTarget.ADMINS, working_time=True),
    ),
    Severity.SEV4: (
        _TELL_OFFICERS,
        _level(_UNACK, 2, WORKING_DAY_MINUTES, EscalationTarget.ADMINS, working_time=True),
    ),
}


def policy_severity(value) -> int:
    """``value`` as a policy's severity (0: untriaged reports, 1-4: SEV1-SEV4); ValueError otherwise."""
    if isinstance(value, bool) or int(value) not in POLICY_SEVERITIES:
        raise ValueError(f"{value!r} is not a policy severity")
    return Severity(int(value)) if int(value) else UNTRIAGED


def policy_label(severity: int) -> str:
    """ "Untriaged reports", "SEV1"..."""
    return "Untriaged reports" if severity == UNTRIAGED else Severity(severity).label


def default_levels(severity: int) -> list[dict]:
    """The default levels of ``severity`` as dicts of ``EscalationLevel`` fields (copies: safe to change)."""
    return [dict(level) for level in DEFAULT_LEVELS[policy_severity(severity)]]


def unsaved_default_levels(severity: int) -> list[EscalationLevel]:
    """The defaults as unsaved ``EscalationLevel`` objects: shown where no policy row exists yet."""
    return [EscalationLevel(**level) for level in default_levels(severity)]


def policy_for(severity: int) -> EscalationPolicy:
    """The policy row of ``severity``, created with the default levels when there is none yet.

    The policy and its levels are created inside one savepoint: nobody sees a policy without its levels. When
    another transaction creates the same policy at the same moment, the unique severity makes our insert fail
    (on PostgreSQL it waits for the other to commit first) and we read the row it created.
    """
    severity = policy_severity(severity)
    policy = EscalationPolicy.objects.filter(severity=severity).first()
    if policy is not None:
        return policy
    try:
        with transaction.atomic():
            policy = EscalationPolicy.objects.create(severity=severity)
            EscalationLevel.objects.bulk_create(
                [EscalationLevel(policy=policy, **level) for level in default_levels(severity)]
            )
    except IntegrityError:
        policy = EscalationPolicy.objects.get(severity=severity)
    return policy
