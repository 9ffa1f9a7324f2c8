"""Reads of the risk register: who sees and changes which risk, the register's filters and sorting.

Visibility: security officers and auditors see every risk; anyone else sees the risks they
own and those shared with them through django-guardian (object permission ``risk.view_risk`` to read,
``risk.edit_shared_risk`` to edit too). Sets are filtered in one queryset with a subquery of the shares
(``dpms.queries.shared_object_ids``), never by a per-row permission check. A risk the user may not see is a
404; one they may see but not change is a 403.

The risk page's score history chart (``trend_chart``) is computed here too, and drawn by
``risk/register/_trend.html``.
"""

import datetime
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.db.models.functions import Length
from django.shortcuts import get_object_or_404
from django.utils import timezone

from access.models import System
from dpms.formats import show_date
from dpms.models import User
from dpms.queries import object_shares, shared_object_ids
from risk.choices import RiskStatus
from risk.models import PdfExport, Risk, RiskAssessment, RiskMatrix

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


def risks_for_user(user):
    """Every risk ``user`` may see, in one queryset: all of them, or their own and those shared with them."""
    risks = Risk.objects.all()
    if sees_all_risks(user):
        return risks
    if not user.is_active:
        return risks.none()
    shared = shared_object_ids(user, Risk, [VIEW_PERMISSION, EDIT_PERMISSION])
    return risks.filter(Q(owner=user) | Q(pk__in=shared))


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
    return shared_object_ids(user, Risk, [EDIT_PERMISSION]).filter(object_pk=str(risk.pk)).exists()


def can_share_risk(user, risk: Risk) -> bool:
    """Security officers and the risk's owner open a risk to someone else."""
    return user.is_active and (user.is_security_officer or (risk.owner_id == user.pk and not user.is_auditor))


def may_change_owner(user) -> bool:
    """Handing a risk to someone else is a security officer's call: the owner decides who else may see and
    edit it."""
    return getattr(user, "is_security_officer", False)


def sees_appetite_panel(user) -> bool:
    """Security officers get the dashboard panel of the live risks above appetite."""
    return user.is_active and user.is_security_officer


def get_risk_for_user(user, pk, *, for_change: bool = False) -> Risk:
    """A risk ``user`` may see (404 otherwise); with ``for_change``, one they may edit (403 otherwise)."""
    risk = get_object_or_404(
        risks_for_user(user).select_related("matrix", "owner", "category", "created_by"), pk=pk
    )
    if for_change and not can_edit_risk(user, risk):
        raise PermissionDenied("Only security officers, the owner and delegated editors change this risk.")
    return risk


def get_risk_to_share(user, pk) -> Risk:
    """A risk ``user`` may see (404 otherwise) and share (403 otherwise)."""
    risk = get_risk_for_user(user, pk)
    if not can_share_risk(user, risk):
        raise PermissionDenied("Only security officers and the owner share a risk.")
    return risk


def risk_shares(risk: Risk) -> list[dict]:
    """Who the risk is shared with, and whether they may edit: one query."""
    rows = object_shares(risk, [VIEW_PERMISSION, EDIT_PERMISSION]).order_by("user__full_name", "user__email")
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


def appetite_lines(risks, matrix: RiskMatrix, limit: int) -> list[Risk]:
    """The first ``limit`` of ``above_appetite`` risks, highest level first, with what the dashboard's panel
    shows: reference, title and ``current_level_index``. The level is computed over the cells above the
    appetite only, the only cells these risks can be in, not over every cell of the matrix."""
    high = cells_of_level(matrix, range(matrix.appetite + 1, len(matrix.levels)))
    level = Case(
        *[
            When(current_likelihood=row, current_impact=column, then=Value(matrix.cells[row][column]))
            for row, column in high
        ],
        default=Value(None),
        output_field=IntegerField(),
    )
    risks = risks.annotate(current_level_index=level).only("pk", "reference", "title")
    return list(risks.order_by(*RISK_SORTS["-level"])[:limit])


def above_appetite(risks, matrix: RiskMatrix):
    """Live risks (open or accepted) whose current level is above the matrix's appetite."""
    high = range(matrix.appetite + 1, len(matrix.levels))
    return risks.filter(cells_q(cells_of_level(matrix, high)), status__in=LIVE_STATUSES)


# --- The register list ---------------------------------------------------------------------------------


def risks_for_list(user, matrix: RiskMatrix | None):
    """The risks ``user`` may see, with everything a row or CSV line shows fetched with them (the systems in
    one more query)."""
    risks = risks_for_user(user).select_related("owner", "category", "matrix").prefetch_related("systems")
    return annotate_levels(risks, matrix)


# What a row of the register's page shows: its rows read these columns only (the CSV reads every column).
REGISTER_ROW_FIELDS = (
    "reference",
    "title",
    "status",
    "next_review_on",
    "matrix",
    "current_likelihood",
    "current_impact",
    "owner__full_name",
    "owner__email",
    "category__name",
)


def risks_for_page(user, matrix: RiskMatrix | None):
    """The risks ``user`` may see, for the register's page: page them with ``dpms.paging.deferred_page`` (the
    count and the sorted ids read no row), then ``with_matrices``. The rows carry the columns a row shows,
    their owner and category, and their systems' names (one more query); ``filter_risks`` adds the level
    to sort by when that is the order asked for (an alias computed by the database, not read back)."""
    systems = Prefetch("systems", queryset=System.objects.only("name"))
    risks = (
        risks_for_user(user)
        .select_related("owner", "category")
        .only(*REGISTER_ROW_FIELDS)
        .prefetch_related(systems)
    )
    return risks


def with_matrices(risks, matrix: RiskMatrix | None) -> None:
    """Point each loaded risk at its matrix (for its levels) without joining the matrix to every row: the
    active one, which every risk is on once it has been activated; any other in one query."""
    matrices = {matrix.pk: matrix} if matrix is not None else {}
    others = {risk.matrix_id for risk in risks} - matrices.keys()
    if others:
        matrices.update(RiskMatrix.objects.in_bulk(others))
    for risk in risks:
        risk.matrix = matrices[risk.matrix_id]


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
    above_appetite=False,
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
    if above_appetite:
        high = range(matrix.appetite + 1, len(matrix.levels)) if matrix else range(0)
        risks = risks.filter(cells_q(cells_of_level(matrix, high) if matrix else []))
    order = RISK_SORTS.get(sort, RISK_SORTS["reference"])
    by_level = isinstance(order[0], str) and order[0].lstrip("-") == "current_level_index"
    if by_level and "current_level_index" not in risks.query.annotations:
        # The level is computed from every cell of the matrix: built only for the order that needs it.
        risks = risks.alias(current_level_index=level_index_expression(matrix, "current"))
    return risks.order_by(*order)


# --- The portfolio over the last months: the officers' dashboard ------------------------------------------
@dataclass(frozen=True)
class PortfolioMonth:
    """The live risks at the end of a month (or now, for the current month) by current level index."""

    month: datetime.date
    by_level: list[int]
    above_appetite: int
    is_now: bool


def portfolio_history(
    risks, matrix: RiskMatrix, *, months: list[datetime.date], now: datetime.datetime | None = None
) -> list[PortfolioMonth]:
    """How many of ``risks`` were live at each level at the end of each of ``months`` (first days, oldest
    first; the last one is the current month, counted as of now, as the register counts it).

    Reconstructed from the history the register keeps, in two queries whatever the number of risks: the
    periodic reviews (``RiskAssessment``) since the first month with their risks (created, closed, status,
    current scores), and every other risk counted by the database, per score and month (a few rows, not one
    per risk: at 5,000 risks the loop in Python cost more than the rest of the dashboard). A risk counts in
    a month when it was created by the month's end and not closed by then (a draft does not count); its
    level then is the current score before its first review after that date, or its present score when it
    has not been reviewed since. A score changed by editing the risk, not by a review, shows from the first
    month (the edit leaves no review behind)."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    if not months:
        return []
    ends = [
        datetime.datetime.combine(
            (first + datetime.timedelta(days=32)).replace(day=1), datetime.time.min, tzinfo=tz
        )
        for first in months[:-1]
    ] + [now]
    since = datetime.datetime.combine(months[0], datetime.time.min, tzinfo=tz)
    size = len(matrix.levels)
    counts = [[0] * size for _ in ends]
    visible = Risk.objects.filter(pk__in=risks.order_by().values("pk"))
    live = visible.exclude(status=RiskStatus.DRAFT).filter(created_at__lt=now)
    reviewed_since = RiskAssessment.objects.filter(reviewed_at__gte=since)

    # The risks reviewed since the first month, one by one: their level at a month's end is the score
    # before their first review after it (a review's ``before``), else their present one.
    reviewed: dict[int, tuple] = {}
    reviews: dict[int, list[tuple[datetime.datetime, list | None]]] = {}
    for risk_id, reviewed_at, before, *risk in (
        reviewed_since.filter(risk__in=live)
        .order_by("reviewed_at", "pk")
        .values_list(
            "risk_id", "reviewed_at", "before",
            *("risk__created_at", "risk__closed_at", "risk__status"),
            *("risk__current_likelihood", "risk__current_impact"),
        )
    ):  # fmt: skip
        reviewed[risk_id] = tuple(risk)
        reviews.setdefault(risk_id, []).append((reviewed_at, (before or {}).get("current")))
    for pk, (created_at, closed_at, status, likelihood, impact) in reviewed.items():
        history = reviews[pk]
        for column, end in enumerate(ends):
            is_now = column == len(ends) - 1
            if created_at >= end:
                continue
            if is_now and status not in LIVE_STATUSES:
                continue
            if not is_now and closed_at is not None and closed_at <= end:
                continue
            scores = next((score for when, score in history if when > end), None) if not is_now else None
            level = matrix.level_index(*scores) if scores else matrix.level_index(likelihood, impact)
            counts[column][min(level, size - 1)] += 1

    # Every other risk kept its present score all along: the database counts them by score, a count per
    # month (created by its end and not closed by then; now: open or accepted), a row per cell.
    per_month = {
        f"m{column}": Count(
            "pk", filter=Q(created_at__lt=end) & (Q(closed_at__isnull=True) | Q(closed_at__gt=end))
        )
        for column, end in enumerate(ends[:-1])
    }
    per_month[f"m{len(ends) - 1}"] = Count("pk", filter=Q(status__in=LIVE_STATUSES))
    for cell in (
        live.exclude(pk__in=reviewed_since.values("risk_id"))
        .order_by()
        .values("current_likelihood", "current_impact")
        .annotate(**per_month)
    ):
        level = min(matrix.level_index(cell["current_likelihood"], cell["current_impact"]), size - 1)
        for column in range(len(ends)):
            counts[column][level] += cell[f"m{column}"]
    return [
        PortfolioMonth(
            month=first,
            by_level=by_level,
            above_appetite=sum(by_level[matrix.appetite + 1 :]),
            is_now=index == len(months) - 1,
        )
        for index, (first, by_level) in enumerate(zip(months, counts, strict=True))
    ]


def risk_detail_systems(risk: Risk):
    return risk.systems.select_related("owner").order_by("name")


def risk_trend_assessments(risk: Risk, *, last: int = 50):
    """The latest ``last`` reviews, oldest first, for the trend chart."""
    recent = list(risk.assessments.order_by("-reviewed_at", "-pk")[:last])
    return recent[::-1]


# --- The score history chart ---------------------------------------------------------------------------
# x: review dates (plus today, with the risk's present current level); y: the current level index, lowest
# level at the bottom; the inherent level as a dashed line. Only SVG presentation attributes are used (no
# ``style`` attributes), so the chart passes the strict Content-Security-Policy.

WIDTH, HEIGHT = 520, 180
LEFT, RIGHT, TOP, BOTTOM = 96, 16, 12, 28


@dataclass(frozen=True)
class TrendPoint:
    x: float
    y: float
    day: datetime.date
    level_name: str
    colour: str


def _y(level_index: int, level_count: int) -> float:
    band = (HEIGHT - TOP - BOTTOM) / max(level_count, 1)
    return round(HEIGHT - BOTTOM - band * (level_index + 0.5), 1)


def trend_chart(*, risk, assessments, today: datetime.date) -> dict | None:
    """The chart's geometry for a template; None when the risk has no level to draw."""
    matrix = risk.matrix
    levels = matrix.levels
    current = risk.current_level
    if current is None:
        return None
    series = [(assessment.reviewed_at.date(), assessment.current_level_index) for assessment in assessments]
    if not series or series[-1][0] < today:
        series.append((today, current["index"]))
    first, last = series[0][0], series[-1][0]
    span = max((last - first).days, 1)
    plot_width = WIDTH - LEFT - RIGHT

    def x_of(day):
        if first == last:
            return LEFT + plot_width / 2
        return round(LEFT + plot_width * (day - first).days / span, 1)

    points = [
        TrendPoint(
            x_of(day),
            _y(min(index, len(levels) - 1), len(levels)),
            day,
            levels[min(index, len(levels) - 1)]["name"],
            levels[min(index, len(levels) - 1)]["colour"],
        )
        for day, index in series
    ]
    band = (HEIGHT - TOP - BOTTOM) / len(levels)
    bands = [
        {
            "y": round(HEIGHT - BOTTOM - band * (index + 1), 1),
            "height": round(band, 1),
            "label_y": _y(index, len(levels)) + 4,
            "name": level["name"],
            "colour": level["colour"],
            "index": index,
        }
        for index, level in enumerate(levels)
    ]
    inherent = risk.inherent_level
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "plot_width": plot_width,
        "label_x": LEFT - 6,
        "axis_y": HEIGHT - BOTTOM,
        "date_y": HEIGHT - BOTTOM + 18,
        "bands": bands,
        "points": points,
        "polyline": " ".join(f"{point.x},{point.y}" for point in points),
        "inherent_y": _y(inherent["index"], len(levels)) if inherent else None,
        "inherent_name": inherent["name"] if inherent else "",
        "first_day": first,
        "last_day": last,
        "summary": ", ".join(f"{show_date(point.day)}: {point.level_name}" for point in points),
    }


def risks_matching(user, term: str, *, limit: int) -> list[Risk]:
    """Risks ``user`` may see (``risks_for_user``) whose reference or title holds ``term``, by reference;
    one query (the header's search)."""
    risks = risks_for_user(user).filter(Q(reference__icontains=term) | Q(title__icontains=term))
    return list(risks.only("pk", "reference", "title", "status").order_by(*RISK_SORTS["reference"])[:limit])


# --- The register as CSV (the download, and the PDF that embeds its SHA-256) --------------------------------
CSV_COLUMNS = (
    "reference", "title", "category", "owner_email", "owner_name", "status", "treatment",
    "inherent_likelihood", "inherent_impact", "inherent_level",
    "current_likelihood", "current_impact", "current_level",
    "target_likelihood", "target_impact", "target_level",
    "review_interval_days", "next_review_on", "systems", "threat", "vulnerability", "existing_controls",
)  # fmt: skip


def _scale_label(scale, index) -> str:
    return scale[index]["label"] if index is not None and index < len(scale) else ""


def csv_row(risk) -> list:
    """One risk of ``risks_for_list`` as a CSV row (its matrix and systems loaded with it)."""
    m = risk.matrix
    levels = [risk.inherent_level, risk.current_level, risk.target_level]
    return [
        risk.reference, risk.title, risk.category.name if risk.category else "", risk.owner.email,
        risk.owner.full_name, risk.status, risk.treatment,
        _scale_label(m.likelihood_scale, risk.inherent_likelihood),
        _scale_label(m.impact_scale, risk.inherent_impact), levels[0]["name"],
        _scale_label(m.likelihood_scale, risk.current_likelihood),
        _scale_label(m.impact_scale, risk.current_impact), levels[1]["name"],
        _scale_label(m.likelihood_scale, risk.target_likelihood),
        _scale_label(m.impact_scale, risk.target_impact), levels[2]["name"] if levels[2] else "",
        risk.effective_review_days, risk.next_review_on,
        "; ".join(sorted(system.name for system in risk.systems.all())),
        risk.threat, risk.vulnerability, risk.existing_controls,
    ]  # fmt: skip


# --- The register as a PDF (dpms.pdf) ----------------------------------------------------------------------
def may_print_register(user) -> bool:
    """The register's PDF is for security officers and auditors (they see every risk)."""
    return bool(user.is_security_officer or user.is_auditor)


def get_register_pdf_for(user, pk):
    """A register PDF, for whoever may print the register (others 403); one query."""
    if not may_print_register(user):
        raise PermissionDenied("The risk register's PDF is for security officers and auditors.")
    return get_object_or_404(PdfExport.objects.select_related("requested_by"), pk=pk)
