"""Business actions of the risk register: create (with a never-reused reference), update, status, shares.

Acceptance (status "accepted") is set by ``risk.services.acceptances``, reviews by ``risk.services.reviews``.
"""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from guardian.shortcuts import assign_perm, remove_perm

from dpms import audit, pdf
from dpms.formats import show_date
from risk.choices import AcceptanceStatus, ActionStatus, RiskStatus, Treatment
from risk.models import (
    PdfExport,
    Risk,
    RiskAcceptance,
    RiskCategory,
    RiskCounter,
    RiskMatrix,
    TreatmentAction,
)
from risk.queries.heatmap import heat_map
from risk.queries.register import (
    CSV_COLUMNS,
    EDIT_PERMISSION,
    VIEW_PERMISSION,
    above_appetite,
    active_matrix,
    can_share_risk,
    csv_row,
    filter_risks,
    may_change_owner,
    risks_for_list,
    risks_for_user,
)

SCORE_PAIRS = (
    ("inherent_likelihood", "inherent_impact", True),
    ("current_likelihood", "current_impact", True),
    ("target_likelihood", "target_impact", False),
)
TEXT_FIELDS = ("title", "description", "threat", "vulnerability", "existing_controls")
EDITABLE_FIELDS = (
    *TEXT_FIELDS,
    "category",
    "owner",
    "inherent_likelihood",
    "inherent_impact",
    "current_likelihood",
    "current_impact",
    "target_likelihood",
    "target_impact",
    "treatment",
    "review_interval_days",
    "next_review_on",
)
AUDITED_FIELDS = tuple(name for name in EDITABLE_FIELDS if name not in ("category", "owner")) + (
    "category_id",
    "owner_id",
    "status",
)

STATUS_NAMES = dict(RiskStatus.choices)
# Status changes made here; "accepted" belongs to the acceptance workflow.
TRANSITIONS: dict[str, set[str]] = {
    RiskStatus.DRAFT: {RiskStatus.OPEN, RiskStatus.CLOSED},
    RiskStatus.OPEN: {RiskStatus.CLOSED},
    RiskStatus.ACCEPTED: {RiskStatus.CLOSED},
    RiskStatus.CLOSED: {RiskStatus.OPEN},
}


def _active_matrix() -> RiskMatrix:
    matrix = active_matrix()
    if matrix is None:
        raise ValidationError(
            gettext("There is no active risk matrix: a security officer must activate one first.")
        )
    return matrix


def validate_risk(matrix: RiskMatrix, values: dict) -> None:
    """Refuse blank titles, scores outside the matrix's scales, half a target, bad choices and intervals."""
    errors: dict[str, str] = {}
    if not (values.get("title") or "").strip():
        errors["title"] = gettext("Give the risk a title.")
    for likelihood, impact, required in SCORE_PAIRS:
        pair = values.get(likelihood), values.get(impact)
        if pair == (None, None) and not required:
            continue
        for name, value, size in (
            (likelihood, pair[0], len(matrix.likelihood_scale)),
            (impact, pair[1], len(matrix.impact_scale)),
        ):
            if value is None:
                errors[name] = (
                    gettext("Choose a score.") if required else gettext("Set both target scores, or neither.")
                )
            elif not isinstance(value, int) or not 0 <= value < size:
                errors[name] = gettext("Choose one of the %(count)s steps of the active matrix.") % {
                    "count": size
                }
    if values.get("treatment") not in Treatment.values:
        errors["treatment"] = gettext("Choose a treatment.")
    interval = values.get("review_interval_days")
    if interval is not None and not 1 <= interval <= 3650:
        errors["review_interval_days"] = gettext("The review interval is between 1 and 3650 days.")
    owner = values.get("owner")
    if owner is None or not owner.is_active:
        errors["owner"] = gettext("Choose an active person as the owner.")
    category = values.get("category")
    if category is not None and not isinstance(category, RiskCategory):
        errors["category"] = gettext("Choose a category from the list.")
    if errors:
        raise ValidationError(errors)


def _next_reference() -> str:
    # The counter row is locked until the transaction ends: two risks created at once never get the same
    # number, and a deleted risk's number is never handed out again (the counter only goes up).
    RiskCounter.objects.bulk_create([RiskCounter(pk=1)], ignore_conflicts=True)
    counter = RiskCounter.objects.select_for_update().get(pk=1)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"R-{counter.last:03d}"


def _snapshot(risk: Risk, systems=None) -> dict:
    data = {name: getattr(risk, name) for name in AUDITED_FIELDS}
    if systems is not None:
        data["systems"] = sorted(system.pk for system in systems)
    return data


@transaction.atomic
def risk_create(
    *,
    actor,
    title: str,
    owner,
    inherent_likelihood: int,
    inherent_impact: int,
    current_likelihood: int,
    current_impact: int,
    target_likelihood: int | None = None,
    target_impact: int | None = None,
    description: str = "",
    category: RiskCategory | None = None,
    systems=(),
    threat: str = "",
    vulnerability: str = "",
    existing_controls: str = "",
    treatment: str = Treatment.MITIGATE,
    review_interval_days: int | None = None,
    status: str = RiskStatus.DRAFT,
    today: datetime.date | None = None,
) -> Risk:
    """Add a risk on the active matrix with the next reference (R-001, ...); open ones get a review date."""
    matrix = _active_matrix()
    values = {
        "title": title.strip(),
        "owner": owner,
        "inherent_likelihood": inherent_likelihood,
        "inherent_impact": inherent_impact,
        "current_likelihood": current_likelihood,
        "current_impact": current_impact,
        "target_likelihood": target_likelihood,
        "target_impact": target_impact,
        "description": description,
        "category": category,
        "threat": threat,
        "vulnerability": vulnerability,
        "existing_controls": existing_controls,
        "treatment": treatment,
        "review_interval_days": review_interval_days,
    }
    validate_risk(matrix, values)
    if status not in (RiskStatus.DRAFT, RiskStatus.OPEN):
        raise ValidationError({"status": "A new risk starts as a draft or open."})
    now = timezone.now()
    risk = Risk(
        **values,
        matrix=matrix,
        status=status,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        created_at=now,
        updated_at=now,
    )
    if status == RiskStatus.OPEN:
        risk.next_review_on = risk.next_review_from(today or timezone.localdate())
    risk.reference = _next_reference()
    risk.save()
    systems = list(systems)
    risk.systems.set(systems)
    audit.record(
        action="risk.risk.create", actor=actor, obj=risk, changes={"created": _snapshot(risk, systems)}
    )
    return risk


@transaction.atomic
def risk_update(*, actor, risk: Risk, systems=None, **fields) -> Risk:
    """Change a risk's details and scores (``EDITABLE_FIELDS`` and ``systems``), audited with a diff."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError(f"These fields cannot be changed here: {', '.join(sorted(unknown))}.")
    # Lock the row: a review or another edit saved meanwhile must not be overwritten with stale values.
    risk = (
        Risk.objects.select_for_update(of=("self",))
        .select_related("matrix", "owner", "category")
        .get(pk=risk.pk)
    )
    if "owner" in fields and fields["owner"] != risk.owner and not may_change_owner(actor):
        raise PermissionDenied("Only a security officer changes a risk's owner.")
    before_systems = list(risk.systems.all()) if systems is not None else None
    before = _snapshot(risk, before_systems)
    if "title" in fields:
        fields["title"] = fields["title"].strip()
    for name, value in fields.items():
        setattr(risk, name, value)
    validate_risk(risk.matrix, {name: getattr(risk, name) for name in EDITABLE_FIELDS})
    if risk.status == RiskStatus.OPEN and risk.next_review_on is None:
        risk.next_review_on = risk.next_review_from(timezone.localdate())
    risk.updated_at = timezone.now()
    risk.save()
    if systems is not None:
        systems = list(systems)
        risk.systems.set(systems)
    changes = audit.diff(before, _snapshot(risk, systems))
    if changes:
        audit.record(action="risk.risk.update", actor=actor, obj=risk, changes=changes)
    from risk.services.acceptances import acceptance_recheck_appetite

    acceptance_recheck_appetite(risk=risk, actor=actor)
    return risk


@transaction.atomic
def risk_set_status(*, actor, risk: Risk, status: str, today: datetime.date | None = None) -> Risk:
    """Open a draft, close a risk, or reopen a closed one; opening sets the next review date."""
    # Lock the row: an acceptance or another status change racing this one must not be lost.
    risk = Risk.objects.select_for_update(of=("self",)).select_related("matrix").get(pk=risk.pk)
    if status not in TRANSITIONS.get(risk.status, set()):
        raise ValidationError(
            {
                "status": gettext("A %(before)s risk cannot become %(after)s.")
                % {
                    "before": risk.get_status_display().lower(),
                    "after": str(STATUS_NAMES[status]).lower() if status in STATUS_NAMES else gettext("that"),
                }
            }
        )
    before = {"status": risk.status, "next_review_on": risk.next_review_on, "closed_at": risk.closed_at}
    now = timezone.now()
    risk.status = status
    if status == RiskStatus.OPEN:
        risk.closed_at = None
        risk.next_review_on = risk.next_review_from(today or timezone.localdate())
    elif status == RiskStatus.CLOSED:
        risk.closed_at = now
        from risk.services.acceptances import acceptance_end_for_risk_change

        acceptance_end_for_risk_change(
            risk=risk, actor=actor, now=now, reason=gettext_noop("The risk was closed.")
        )
    risk.updated_at = now
    risk.save(update_fields=["status", "closed_at", "next_review_on", "updated_at"])
    after = {"status": risk.status, "next_review_on": risk.next_review_on, "closed_at": risk.closed_at}
    audit.record(action="risk.risk.status", actor=actor, obj=risk, changes=audit.diff(before, after))
    return risk


def _check_share(actor, risk: Risk, user) -> None:
    if not can_share_risk(actor, risk):
        raise PermissionDenied("Only security officers and the risk's owner share it.")
    if user is None or not user.is_active:
        raise ValidationError({"user": gettext("Choose an active person.")})
    if user.pk == risk.owner_id:
        raise ValidationError({"user": gettext("The owner sees and edits the risk already.")})


@transaction.atomic
def risk_share(*, actor, risk: Risk, user, can_edit: bool) -> None:
    """Let ``user`` read the risk, and edit it too when ``can_edit`` (guardian object permissions)."""
    _check_share(actor, risk, user)
    assign_perm(f"risk.{VIEW_PERMISSION}", user, risk)
    if can_edit:
        assign_perm(f"risk.{EDIT_PERMISSION}", user, risk)
    else:
        remove_perm(f"risk.{EDIT_PERMISSION}", user, risk)
    audit.record(
        action="risk.risk.share",
        actor=actor,
        obj=risk,
        changes={"user": user.email, "can_edit": can_edit},
    )


@transaction.atomic
def risk_unshare(*, actor, risk: Risk, user) -> None:
    """Take back a share: ``user`` no longer sees the risk (unless they own it or see every risk)."""
    _check_share(actor, risk, user)
    remove_perm(f"risk.{VIEW_PERMISSION}", user, risk)
    remove_perm(f"risk.{EDIT_PERMISSION}", user, risk)
    audit.record(action="risk.risk.unshare", actor=actor, obj=risk, changes={"user": user.email})


# --- The register at a date as a PDF (dpms.pdf): asked for on the register, written by a task ------------
PDF_TASK = "risk.tasks.render_register_pdf"
OPEN_ACTIONS = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)


@transaction.atomic
def register_pdf_request(*, actor, as_of: datetime.date) -> PdfExport:
    """Ask for the register at ``as_of`` as a PDF, written in the background in ``actor``'s language. The
    caller has checked that ``actor`` may print it (``queries.register.may_print_register``)."""
    if as_of > timezone.localdate():
        message = gettext("The register can be printed up to today, not for a later day.")
        raise ValidationError({"as_of": message})
    subject = gettext("Risk register on %(day)s") % {"day": show_date(as_of)}
    return pdf.export_request(PdfExport, task=PDF_TASK, requested_by=actor, subject=subject, as_of=as_of)


def _above_appetite_rows(user, matrix: RiskMatrix, as_of: datetime.date) -> list[dict]:
    """Every live risk above appetite, highest level first, with its owner, its treatment actions and its
    acceptances (three queries)."""
    risks = list(
        above_appetite(risks_for_user(user), matrix)
        .select_related("owner")
        .prefetch_related(
            Prefetch(
                "actions",
                queryset=TreatmentAction.objects.select_related("owner").order_by("due_on", "pk"),
            ),
            Prefetch(
                "acceptances",
                queryset=RiskAcceptance.objects.exclude(status=AcceptanceStatus.REJECTED).order_by(
                    "-requested_at"
                ),
            ),
        )
        .order_by("reference")
    )
    rows = []
    for risk in risks:
        level = matrix.level(risk.current_likelihood, risk.current_impact)
        in_force = [
            acceptance
            for acceptance in risk.acceptances.all()
            if acceptance.status == AcceptanceStatus.APPROVED and acceptance.expires_on >= as_of
        ]
        rows.append(
            {
                "risk": risk,
                "level": level,
                "actions": list(risk.actions.all()),
                "acceptances": list(risk.acceptances.all()),
                "accepted": bool(in_force),
                "overdue": [
                    action
                    for action in risk.actions.all()
                    if action.status in OPEN_ACTIONS and action.due_on < as_of
                ],
            }
        )
    rows.sort(key=lambda row: (-(row["level"] or {}).get("index", 0), row["risk"].reference))
    return rows


def register_pdf_build(export: PdfExport) -> pdf.Built:
    """What the register's PDF shows (run by the task in the requester's language): the CSV first, so its
    hash and the pages describe the same moment."""
    user = export.requested_by
    matrix = active_matrix()
    risks = risks_for_list(user, matrix)
    csv_rows = [csv_row(risk) for risk in filter_risks(risks, matrix=matrix).iterator(chunk_size=1000)]
    csv = pdf.csv_bytes(CSV_COLUMNS, csv_rows)
    context = {
        "as_of": export.as_of,
        "matrix": matrix,
        "heatmap": heat_map(user) if matrix else None,
        "rows": _above_appetite_rows(user, matrix, export.as_of) if matrix else [],
        "risk_count": len(csv_rows),
        "pdf_requested_by": user,
    }
    return pdf.Built(
        template="risk/register/register_pdf.html",
        context=context,
        csv=csv,
        csv_sha256=pdf.sha256(csv),
        link=reverse("risk:register_pdf", args=[export.pk]),
        object_type="risk.register",
        object_id=export.as_of.isoformat(),
        object_label=export.subject,
    )


def register_pdf_run(*, export_id: int) -> str:
    """Write one requested register PDF (the task's work); safe to run twice."""
    return pdf.export_run(PdfExport, export_id, register_pdf_build, action="risk.pdf.generated")


def pdf_exports_sweep(*, now: datetime.datetime) -> int:
    """Tick step: register PDFs whose message or worker was lost (``dpms.pdf.export_sweep``)."""
    return pdf.export_sweep(PdfExport, task=PDF_TASK, now=now)
