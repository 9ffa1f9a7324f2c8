"""Evidence of a closed campaign: a CSV with one row per item and a manifest with its hashes.

The CSV is produced once, at close, a batch of rows at a time, and stored byte for byte (UTF-8) in
``EvidenceChunk`` rows of about a megabyte each, hashed as it is written; the download streams exactly those
bytes, chunk by chunk, so ``sha256sum`` of the file equals the manifest's ``file_sha256`` and
the hash recorded in the audit trail ("access.campaign.evidence").

The evidence is frozen at close: the revocation columns show the state at that moment (applied at once with
auto-apply, or a revocation task opened). When a task is done later, that is recorded on the task (its page)
and in the audit trail ("access.revocation.done"), not by rewriting the frozen file.
"""

import csv
import hashlib
import io
import json
from datetime import datetime

from django.db.models import Sum

from access.choices import Decision
from access.models import EvidenceChunk, ReviewCampaign, ReviewItem
from access.queries.campaigns import CampaignNumbers
from access.services.campaigns import person_label
from dpms import audit
from dpms.csvexport import safe_cell

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


def _cell(value) -> str:
    """Neutralise spreadsheet formulas (CSV injection) in exported cells (values arrive as text already)."""
    return safe_cell("" if value is None else str(value))


def _when(value) -> str:
    return value.isoformat() if value is not None else ""


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


CHUNK_CHARACTERS = 1_000_000  # about a megabyte of evidence per stored chunk


def _csv_pieces(campaign: ReviewCampaign):
    """The evidence CSV in pieces of about ``CHUNK_CHARACTERS``, rows never split across pieces."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in evidence_rows(campaign):
        writer.writerow([_cell(value) for value in row])
        if buffer.tell() >= CHUNK_CHARACTERS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()


def _store_csv(campaign: ReviewCampaign) -> str:
    """Write the evidence CSV as chunks (replacing any); returns the SHA-256 of its UTF-8 bytes."""
    EvidenceChunk.objects.filter(campaign=campaign).delete()
    digest = hashlib.sha256()
    for position, text in enumerate(_csv_pieces(campaign)):
        digest.update(text.encode("utf-8"))
        EvidenceChunk.objects.create(campaign=campaign, position=position, text=text)
    return digest.hexdigest()


def evidence_stream(campaign: ReviewCampaign):
    """The stored evidence file, as UTF-8 bytes, one chunk at a time (one row in memory at a time)."""
    texts = (
        EvidenceChunk.objects.filter(campaign=campaign).order_by("position").values_list("text", flat=True)
    )
    for text in texts.iterator(chunk_size=1):
        yield text.encode("utf-8")


def evidence_bytes(campaign: ReviewCampaign) -> bytes:
    """The whole stored evidence file (for small files and tests; downloads use ``evidence_stream``)."""
    return b"".join(evidence_stream(campaign))


def manifest(campaign: ReviewCampaign) -> dict:
    """What the evidence file is and how to check it; derived from stored fields, so always the same."""
    return {
        "campaign": {"id": campaign.pk, "name": campaign.name, "period": campaign.period_key},
        "closed_at": _when(campaign.closed_at),
        "population_count": campaign.population_count,
        "population_sha256": campaign.population_sha256,
        "file_name": evidence_filename(campaign),
        "file_sha256": campaign.evidence_sha256,
        "item_count": campaign.items.count(),
        "columns": list(COLUMNS),
        "generated_at": _when(campaign.evidence_generated_at),
        # Closed since the numbers are kept: how much of the review a person did (older manifests stay
        # as they were, without it).
        **({"review": campaign.evidence_review} if campaign.evidence_review is not None else {}),
    }


def manifest_bytes(campaign: ReviewCampaign) -> bytes:
    return (json.dumps(manifest(campaign), indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


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
