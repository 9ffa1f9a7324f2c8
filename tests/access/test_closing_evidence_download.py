"""Evidence of a closed campaign: one row per item; the downloaded file checks out with its manifest."""

import csv
import hashlib
import io
import json

import pytest
from django.utils import timezone

from access.choices import Decision, DefaultDecision
from access.models import EvidenceChunk, ReviewItem
from access.services import evidence
from access.services.closing import campaign_close
from access.services.evidence import COLUMNS
from dpms.models import AuditEvent
from tests.access.closing_support import campaign_with_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def closed(security_officer):
    campaign = campaign_with_items(4, default_decision=DefaultDecision.FLAG)
    item = campaign.items.first()
    ReviewItem.objects.filter(pk=item.pk).update(
        decision=Decision.REVOKE,
        justification="=HYPERLINK(bad) — no longer needed, ünïcode",
        decided_by=item.reviewer,
    )
    return campaign_close(campaign=campaign, actor=security_officer, now=timezone.now())


def test_downloaded_evidence_hash_equals_the_manifest_and_the_audit_trail(closed, client_for, auditor):
    client = client_for(auditor)
    response = client.get(f"/access/campaigns/{closed.pk}/evidence.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    file_hash = hashlib.sha256(response.getvalue()).hexdigest()
    manifest = json.loads(client.get(f"/access/campaigns/{closed.pk}/evidence-manifest.json").content)
    assert manifest["file_sha256"] == file_hash
    assert manifest["population_count"] == 4
    assert manifest["population_sha256"] == "a" * 64
    assert manifest["generated_at"]
    event = AuditEvent.objects.get(action="access.campaign.evidence", object_id=str(closed.pk))
    assert event.changes["file_sha256"] == file_hash


def test_evidence_has_one_row_per_item_in_a_stable_column_order(closed, client_for, security_officer):
    content = client_for(security_officer).get(f"/access/campaigns/{closed.pk}/evidence.csv").getvalue()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
    assert list(rows[0]) == list(COLUMNS)
    assert len(rows) == 4
    revoked = next(row for row in rows if row["decision"] == Decision.REVOKE)
    assert revoked["justification"].startswith("'=HYPERLINK")  # no formula runs in a spreadsheet
    assert "ünïcode" in revoked["justification"]
    assert (revoked["default_applied"], revoked["revocation_status"]) == ("no", "task open")
    flagged = [row for row in rows if row["decision"] == Decision.NO_RESPONSE]
    assert len(flagged) == 3
    assert {row["default_applied"] for row in flagged} == {"yes"}


def test_evidence_is_frozen_at_close(closed, client_for, security_officer):
    before = client_for(security_officer).get(f"/access/campaigns/{closed.pk}/evidence.csv").getvalue()
    ReviewItem.objects.filter(campaign=closed).update(justification="changed later")
    after = client_for(security_officer).get(f"/access/campaigns/{closed.pk}/evidence.csv").getvalue()
    assert before == after


@pytest.mark.parametrize("url", ["evidence.csv", "evidence-manifest.json"])
def test_evidence_permission_ladder(closed, client, client_for, personas, url):
    path = f"/access/campaigns/{closed.pk}/{url}"
    assert client.get(path).status_code == 302
    for persona in ("staff", "manager", "outsider"):
        assert client_for(personas[persona]).get(path).status_code == 403
    for persona in ("auditor", "security_officer"):
        assert client_for(personas[persona]).get(path).status_code == 200


def test_no_evidence_before_close(client_for, security_officer):
    campaign = campaign_with_items(1)
    assert (
        client_for(security_officer).get(f"/access/campaigns/{campaign.pk}/evidence.csv").status_code == 404
    )


def test_large_evidence_is_stored_and_streamed_in_pieces_that_add_up_to_the_hashed_file(
    monkeypatch, client_for, security_officer
):
    monkeypatch.setattr(evidence, "CHUNK_CHARACTERS", 2000)  # a few rows per piece
    campaign = campaign_with_items(60, default_decision=DefaultDecision.FLAG)
    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now())
    campaign.refresh_from_db()
    pieces = list(EvidenceChunk.objects.filter(campaign=campaign).order_by("position"))
    assert len(pieces) > 3
    assert all(piece.text.endswith("\r\n") for piece in pieces)  # a row is never split across pieces
    response = client_for(security_officer).get(f"/access/campaigns/{campaign.pk}/evidence.csv")
    assert response.streaming
    body = response.getvalue()
    assert body == "".join(piece.text for piece in pieces).encode("utf-8")
    assert hashlib.sha256(body).hexdigest() == campaign.evidence_sha256
    assert len(list(csv.DictReader(io.StringIO(body.decode("utf-8"))))) == 60
