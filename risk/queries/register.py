"""Reads of the risk register: who sees and changes which risk, the register's filters and sorting.

Visibility (issue 4, item 8): security officers and auditors see every risk; anyone else sees the risks they
own and those shared with them through django-guardian (object permission ``risk.view_risk`` to read,
``risk.edit_shared_risk`` to edit too). Sets are filtered in one queryset with a subquery on guardian's
``UserObjectPermission`` table, never by a per-row permission check. A risk the user may not see is a 404;
one they may see but not change is a 403.
"""

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import BigIntegerField, Case, IntegerField, Q, Value, When
from django.db.models.functions import Cast, Length
from django.shortcuts import get_object_or_404
from django.utils import timezone
from guardian.models import UserObjectPermission

from dpms.models import User
from risk.choices import RiskStatus
from risk.models import Risk, RiskMatrix

VIEW_PERMISSION = "view_risk"
EDIT_PERMISSION = "edit_shared_risk"

# Sort keys of the register; "level" uses the ``current_level_index`` annotation of ``annotate_levels``.
RISK_SORTS = {
    "reference": (Length("reference"), "reference"),
    "-reference": (Length("reference").desc(), "-reference"),
    "title": ("title", "pk"),
    "-title": ("-title", "-pk"),
    "owner": ("owner__full_name", "owner__email", "pk"),
    "-owner": ("-owner__full_name", "-owner__email", "-pk"),
    "level": ("current_level_index", Length("reference"), "reference"),
    "-level": ("-current_level_index", Length("reference"), "reference"),
    "review": ("next_review_on", "pk"),
    "-review": ("-next_review_on", "-pk"),
}

# "Live" risks: open or accepted, what the heat map counts by default; a register filter value of its own.
LIVE_STATUS = "live"
LIVE_STATUSES = (RiskStatus.OPEN, RiskStatus.ACCEPTED)


# --- Who sees and changes what -------------------------------------------------------------------------


def sees_all_risks(user) -> bool:
    """Security officers and auditors read the whole register."""
    return user.is_active and (user.is_security_officer or user.is_auditor)


def can_manage_risks(user) -> bool:
    """Security officers create risks and change any of them."""
    return user.is_active and user.is_security_officer


def _shares(user, codenames):
    """guardian's rows giving ``user`` one of ``codenames`` on a risk, as a subquery of risk ids."""
    return (
        UserObjectPermission.objects.filter(
            user=user,
            content_type=ContentType.objects.get_for_model(Risk),
            permission__codename__in=codenames,
        )
        .annotate(risk_id=Cast("object_pk", BigIntegerField()))
        .values("risk_id")
    )


def risks_for_user(user):
    """Every risk ``user`` may see, in one queryset: all of them, or their own and those shared with them."""
    risks = Risk.objects.all()
    if sees_all_risks(user):
        return risks
    if not user.is_active:
        return risks.none()
    return risks.filter(Q(owner=user) | Q(pk__in=_shares(user, [VIEW_PERMISSION, EDIT_PERMISSION])))


def can_edit_risk(user, risk: Risk) -> bool:
    """Security officers, the owner, and those it is shared with for editing; auditors change nothing."""
    if not user.is_active:
        return False
    if user.is_security_officer:
        return True
    if user.is_auditor:
        return False
    if risk.owner_id == user.pk:
        return True
    return _shares(user, [EDIT_PERMISSION]).filter(object_pk=str(risk.pk)).exists()


def can_share_risk(user, risk: Risk) -> bool:
    """Security officers and the risk's owner open a risk to someone else."""
    return user.is_active and (user.is_security_officer or (risk.owner_id == user.pk and not user.is_auditor))


def get_risk_for_user(user, pk, *, for_change: bool = False) -> Risk:
    """A risk ``user`` may see (404 otherwise); with ``for_change``, one they may edit (403 otherwise)."""
    risk = get_object_or_404(
        risks_for_user(user).select_related("matrix", "owner", "category", "created_by"), pk=pk
    )
    if for_change and not can_edit_risk(user, risk):
        raise PermissionDenied("Only security officers, the owner and delegated editors change this risk.")
    return risk


def risk_shares(risk: Risk) -> list[dict]:
    """Who the risk is shared with, and whether they may edit: one query."""
    rows = (
        UserObjectPermission.objects.filter(
            content_type=ContentType.objects.get_for_model(Risk),
            object_pk=str(risk.pk),
            permission__codename__in=[VIEW_PERMISSION, EDIT_PERMISSION],
        )
        .select_related("user", "permission")
        .order_by("user__full_name", "user__email")
    )
    shares: dict[int, dict] = {}
    for row in rows:
        share = shares.setdefault(row.user_id, {"user": row.user, "can_edit": False})
        share["can_edit"] = share["can_edit"] or row.permission.codename == EDIT_PERMISSION
    return list(shares.values())


# --- People offered by the register's forms ------------------------------------------------------------


def risk_owners(visible_risks):
    """The owners of ``visible_risks``, offered in the register's owner filter: only owners of the risks the
    viewer may see, so the names of other owners stay private."""
    owners = User.objects.people().filter(owned_risks__isnull=False).filter(owned_risks__in=visible_risks)
    return owners.distinct().order_by("full_name", "email")


def current_owners():
    """Active people who own a risk, suggested in the owner box (not a <select> of every person, which
    thousands of people make huge)."""
    owners = User.objects.people().filter(is_active=True, owned_risks__isnull=False).distinct()
    return owners.order_by("full_name", "email")


def active_person_with_email(email: str) -> User | None:
    """The active person with this email address (case aside), or None: whom a risk is shared with."""
    return User.objects.people().filter(email__iexact=email.strip().lower(), is_active=True).first()


# --- Levels on the active matrix -----------------------------------------------------------------------


def active_matrix() -> RiskMatrix | None:
    return RiskMatrix.objects.filter(is_active=True).first()


def cells_of_level(matrix: RiskMatrix, levels) -> list[tuple[int, int]]:
    """The (likelihood, impact) cells whose level index is in ``levels``."""
    wanted = set(levels)
    return [
        (likelihood, impact)
        for likelihood, row in enumerate(matrix.cells)
        for impact, level in enumerate(row)
        if level in wanted
    ]


def cells_q(cells, kind: str = "current") -> Q:
    """A Q matching risks whose ``kind`` score is one of ``cells``; matches nothing for no cells."""
    query = Q(pk__in=[])
    for likelihood, impact in cells:
        query |= Q(**{f"{kind}_likelihood": likelihood, f"{kind}_impact": impact})
    return query


def level_index_expression(matrix: RiskMatrix | None, kind: str = "current"):
    """The level index of the ``kind`` score, computed by the database from the matrix's cells."""
    if matrix is None:
        return Value(None, output_field=IntegerField())
    whens = [
        When(**{f"{kind}_likelihood": likelihood, f"{kind}_impact": impact}, then=Value(level))
        for likelihood, row in enumerate(matrix.cells)
        for impact, level in enumerate(row)
    ]
    return Case(*whens, default=Value(None), output_field=IntegerField())


def annotate_levels(risks, matrix: RiskMatrix | None):
    return risks.annotate(current_level_index=level_index_expression(matrix, "current"))


def above_appetite(risks, matrix: RiskMatrix):
    """Live risks (open or accepted) whose current level is above the matrix's appetite."""
    high = range(matrix.appetite + 1, len(matrix.levels))
    return risks.filter(cells_q(cells_of_level(matrix, high)), status__in=LIVE_STATUSES)


# --- The register list ---------------------------------------------------------------------------------


def risks_for_list(user, matrix: RiskMatrix | None):
    """The risks ``user`` may see, with everything a row or CSV line shows fetched with them."""
    risks = risks_for_user(user).select_related("owner", "category", "matrix")
    return annotate_levels(risks, matrix)


def filter_risks(
    risks,
    *,
    matrix: RiskMatrix | None,
    q="",
    owner=None,
    category=None,
    level=None,
    status="",
    system=None,
    overdue=False,
    likelihood=None,
    impact=None,
    kind="",
    sort="",
    today=None,
):
    """Apply the register's filters. ``level`` is a level index of the active matrix (current score);
    ``likelihood``/``impact``/``kind`` select one heat-map cell of the current or inherent score."""
    if q:
        risks = risks.filter(Q(title__icontains=q) | Q(reference__icontains=q) | Q(description__icontains=q))
    if owner is not None:
        risks = risks.filter(owner=owner)
    if category is not None:
        risks = risks.filter(category=category)
    if level is not None:
        risks = risks.filter(cells_q(cells_of_level(matrix, [level]) if matrix else []))
    if status == LIVE_STATUS:
        risks = risks.filter(status__in=LIVE_STATUSES)
    elif status:
        risks = risks.filter(status=status)
    if system is not None:
        risks = risks.filter(systems=system)
    if overdue:
        risks = risks.filter(next_review_on__lt=today or timezone.localdate()).exclude(
            status=RiskStatus.CLOSED
        )
    if likelihood is not None and impact is not None:
        risks = risks.filter(cells_q([(likelihood, impact)], kind or "current"))
    return risks.order_by(*RISK_SORTS.get(sort, RISK_SORTS["reference"]))


def risk_detail_systems(risk: Risk):
    return risk.systems.select_related("owner").order_by("name")


def risk_trend_assessments(risk: Risk, *, last: int = 50):
    """The latest ``last`` reviews, oldest first, for the trend chart."""
    recent = list(risk.assessments.order_by("-reviewed_at", "-pk")[:last])
    return recent[::-1]
