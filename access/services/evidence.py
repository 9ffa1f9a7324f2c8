"""Evidence of a closed campaign: a CSV with one row per item and a manifest with its hashes.

The CSV is produced once, at close, a batch of rows at a time, and stored byte for byte (UTF-8) in
``EvidenceChunk`` rows of about a megabyte each, hashed as it is written; the download streams exactly those
bytes, chunk by chunk, so ``sha256sum`` of the file equals the manifest's ``file_sha256`` and
the hash recorded in the audit trail ("access.campaign.evidence"). How is the mechanism policy campaigns share
(``dpms.campaigns``); what (the columns, the rows, the manifest's campaign part) is here.

The evidence is frozen at close: the revocation columns show the state at that moment (applied at once with
auto-apply, or a revocation task opened). When a task is done later, that is recorded on the task (its page)
and in the audit trail ("access.revocation.done"), not by rewriting the frozen file.
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from access.choices import CampaignStatus, Decision
from access.models import EvidenceChunk, PdfExport, ReviewCampaign, ReviewItem
from access.queries.campaigns import CampaignNumbers, campaign_dashboard
from access.services.campaigns import person_label
from dpms import audit, pdf
from dpms import campaigns as shared

# Stable column order: auditors' scripts rely on it. Add columns only at the end.
COLUMNS = (
    "item_id",
    "holder",
    "system",
    "environment",
    "role",
    "privileged",
    "reviewer",
    "routing_note",
    "escalation_level",
    "decision",
    "justification",
    "downgrade_to",
    "keep_until",
    "decided_by",
    "decided_at",
    "default_applied",
    "override",
    "bulk",
    "revocation_status",
    "revocation_done_at",
    "revocation_done_by",
    "revocation_task_id",
)


_when = shared.iso


def _revocation(item: ReviewItem) -> tuple[str, str, str, str]:
    task = getattr(item, "revocation_task", None)
    if item.applied_at is not None:
        return (
            "applied",
            _when(item.applied_at),
            person_label(item.applied_by) or "tick",
            task.pk if task else "",
        )
    if task is not None:
        done = task.status == "done"
        return (
            ("task done" if done else "task open"),
            _when(task.done_at),
            person_label(task.done_by),
            task.pk,
        )
    return "", "", "", ""


def evidence_rows(campaign: ReviewCampaign):
    items = (
        ReviewItem.objects.filter(campaign=campaign)
        .select_related("reviewer", "decided_by", "applied_by", "downgrade_to", "revocation_task__done_by")
        .order_by("pk")
    )
    for item in items.iterator(chunk_size=2000):
        yield [
            item.pk,
            item.holder_label,
            item.system_name,
            item.environment,
            item.role_name,
            "yes" if item.privileged else "no",
            person_label(item.reviewer),
            item.routing_note,
            item.escalation_level,
            item.decision,
            item.justification,
            item.downgrade_to.name if item.downgrade_to else "",
            item.keep_until.isoformat() if item.keep_until else "",
            person_label(item.decided_by) or ("default at close" if item.default_applied else ""),
            _when(item.decided_at),
            "yes" if item.default_applied else "no",
            "yes" if item.override else "no",
            "yes" if item.bulk else "no",
            *_revocation(item),
        ]


CHUNK_CHARACTERS = shared.CHUNK_CHARACTERS  # about a megabyte of evidence per stored chunk


def _store_csv(campaign: ReviewCampaign) -> str:
    """Write the evidence CSV as chunks (replacing any); returns the SHA-256 of its UTF-8 bytes."""
    return shared.store_evidence_csv(
        chunk_model=EvidenceChunk,
        campaign=campaign,
        columns=COLUMNS,
        rows=evidence_rows(campaign),
        chunk_characters=CHUNK_CHARACTERS,
    ).sha256


def evidence_stream(campaign: ReviewCampaign):
    """The stored evidence file, as UTF-8 bytes, one chunk at a time (one row in memory at a time)."""
    return shared.evidence_stream(EvidenceChunk, campaign)


def evidence_bytes(campaign: ReviewCampaign) -> bytes:
    """The whole stored evidence file (for small files and tests; downloads use ``evidence_stream``)."""
    return shared.evidence_bytes(EvidenceChunk, campaign)


def manifest(campaign: ReviewCampaign) -> dict:
    """What the evidence file is and how to check it; derived from stored fields, so always the same."""
    return shared.evidence_manifest(
        file_name=evidence_filename(campaign),
        file_sha256=campaign.evidence_sha256,
        row_count=campaign.items.count(),
        row_count_name="item_count",
        population_count=campaign.population_count,
        population_sha256=campaign.population_sha256,
        generated_at=campaign.evidence_generated_at,
        columns=COLUMNS,
        campaign={"id": campaign.pk, "name": campaign.name, "period": campaign.period_key},
        closed_at=_when(campaign.closed_at),
        # Closed since the numbers are kept: how much of the review a person did (older manifests stay
        # as they were, without it).
        **({"review": campaign.evidence_review} if campaign.evidence_review is not None else {}),
    )


def manifest_bytes(campaign: ReviewCampaign) -> bytes:
    return shared.manifest_bytes(manifest(campaign))


def evidence_filename(campaign: ReviewCampaign) -> str:
    return f"access-review-{campaign.pk}-evidence.csv"


def review_numbers(campaign: ReviewCampaign) -> dict[str, int]:
    """The closed campaign's numbers, from its tallies and the defaults the close applied: total,
    reviewed by a person, defaulted (nobody decided them), pending, and their whole percentages."""
    by_decision = dict(campaign.tallies.values_list("decision").annotate(n=Sum("items")).order_by())
    total = sum(by_decision.values())
    pending = by_decision.get(Decision.PENDING, 0)
    defaulted = (
        campaign.defaulted_items
        if campaign.defaulted_items is not None
        else by_decision.get(Decision.NO_RESPONSE, 0)
    )
    return CampaignNumbers(
        total=total, reviewed=total - pending - defaulted, defaulted=defaulted, pending=pending
    ).as_dict()


def produce_evidence(*, campaign: ReviewCampaign, actor, now: datetime) -> str:
    """Freeze the campaign's evidence (call inside the close transaction); returns the file's SHA-256."""
    campaign.evidence_sha256 = _store_csv(campaign)
    campaign.evidence_generated_at = now
    campaign.evidence_review = review_numbers(campaign)
    campaign.save(update_fields=["evidence_sha256", "evidence_generated_at", "evidence_review"])
    audit.record(
        action="access.campaign.evidence",
        actor=actor,
        obj=campaign,
        changes={
            "file_sha256": campaign.evidence_sha256,
            "population_count": campaign.population_count,
            "population_sha256": campaign.population_sha256,
            "generated_at": now,
            "review": campaign.evidence_review,
        },
    )
    return campaign.evidence_sha256


# --- The evidence as a PDF (dpms.pdf): asked for on the campaign's page, written by a task ---------------
PDF_TASK = "access.tasks.render_evidence_pdf"


@transaction.atomic
def campaign_pdf_request(*, campaign: ReviewCampaign, actor) -> PdfExport:
    """Ask for a closed campaign's evidence as a PDF, written in the background in ``actor``'s language.
    The caller has checked that ``actor`` may read the evidence (``queries.closing.may_read_evidence``)."""
    if campaign.status != CampaignStatus.CLOSED or not campaign.evidence_sha256:
        raise ValidationError(gettext("Only a closed campaign's evidence can be printed."))
    subject = gettext("Access review evidence: %(name)s") % {"name": campaign.name}
    return pdf.export_request(
        PdfExport, task=PDF_TASK, requested_by=actor, subject=subject, campaign=campaign
    )


def _revokes(campaign: ReviewCampaign) -> list[dict]:
    """Every revoke (and downgrade) with its state: applied, task open or task done (one query)."""
    items = (
        ReviewItem.objects.filter(campaign=campaign, decision__in=(Decision.REVOKE, Decision.DOWNGRADE))
        .select_related("reviewer", "decided_by", "applied_by", "downgrade_to", "revocation_task__done_by")
        .order_by("system_name", "holder_label", "pk")
    )
    states = {
        "applied": gettext("applied"),
        "task open": gettext("task open"),
        "task done": gettext("task done"),
        "": gettext("none"),
    }
    rows = []
    for item in items.iterator(chunk_size=2000):
        state, when, by, _task = _revocation(item)
        rows.append(
            {
                "item": item,
                "decided_by": person_label(item.decided_by),
                "state": state,
                "state_label": states.get(state, state),
                "when": when,
                "by": by,
            }
        )
    return rows


def campaign_pdf_build(export: PdfExport) -> pdf.Built:
    """What the campaign's PDF shows (run by the task, in the requester's language)."""
    campaign = ReviewCampaign.objects.select_related("policy", "closed_by").get(pk=export.campaign_id)
    dashboard = campaign_dashboard(campaign, now=timezone.now())
    context = {
        "campaign": campaign,
        "numbers": dashboard.numbers,
        "by_decision": dashboard.by_decision,
        "reviewers": dashboard.reviewers.paginator.object_list,
        "revokes": _revokes(campaign),
        "manifest_sha256": pdf.sha256(manifest_bytes(campaign)),
        "evidence_filename": evidence_filename(campaign),
        "pdf_requested_by": export.requested_by,
    }
    return pdf.Built(
        template="access/evidence/campaign_pdf.html",
        context=context,
        csv_sha256=campaign.evidence_sha256,  # the frozen file's: its download gives exactly those bytes
        link=reverse("access:evidence_pdf", args=[export.pk]),
        object_type="access.reviewcampaign",
        object_id=str(campaign.pk),
        object_label=campaign.name,
    )


def campaign_pdf_run(*, export_id: int) -> str:
    """Write one requested PDF (the task's work); safe to run twice."""
    return pdf.export_run(PdfExport, export_id, campaign_pdf_build, action="access.pdf.generated")


def pdf_exports_sweep(*, now: datetime) -> int:
    """Tick step: evidence PDFs whose message or worker was lost (``dpms.pdf.export_sweep``)."""
    return pdf.export_sweep(PdfExport, task=PDF_TASK, now=now)
