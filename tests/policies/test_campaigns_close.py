"""Closing a campaign: what was pending becomes "no response", and the evidence is frozen: a CSV whose
SHA-256 the manifest and the audit trail hold, and that verifies offline."""

import csv
import hashlib
import io
import json
import shutil
import subprocess

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dpms.models import AuditEvent
from policies.choices import AssignmentStatus, CampaignStatus, FollowUpStatus
from policies.models import Assignment, PolicyEvidenceChunk
from policies.services import campaigns as services
from policies.services.campaigns import campaign_close, campaign_launch
from tests.policies.campaigns_support import acknowledge, people, policy_in_force
from tests.policies.factories import AnswerFactory, FollowUpFactory

pytestmark = pytest.mark.django_db


def closed_campaign(officer, staff, manager):
    """A campaign of two questions where the manager said yes then no (a follow-up is open) and staff did
    nothing; closed by ``officer``."""
    policy = policy_in_force(questions=2)
    campaign = campaign_launch(actor=officer, policy=policy)
    first, second = campaign.questions.order_by("position")
    done = campaign.assignments.get(person=manager)
    AnswerFactory(assignment=done, question=first, yes=True, explanation="")
    no = AnswerFactory(assignment=done, question=second, yes=False, explanation="=cmd|' /C calc'!A0")
    FollowUpFactory(answer=no)
    acknowledge(manager, campaign.version, assignment=done)
    Assignment.objects.filter(pk=done.pk).update(status=AssignmentStatus.DONE, done_at=timezone.now())
    return campaign_close(actor=officer, campaign=campaign, now=timezone.now())


def rows(campaign):
    return list(csv.DictReader(io.StringIO(services.evidence_bytes(campaign).decode("utf-8"))))


def test_close_marks_what_was_pending_no_response_and_freezes_the_evidence(security_officer, staff, manager):
    campaign = closed_campaign(security_officer, staff, manager)
    assert campaign.status == CampaignStatus.CLOSED
    assert campaign.closed_by == security_officer
    assert campaign.assignments.get(person=staff).status == AssignmentStatus.NO_RESPONSE
    by_person = {row["person"]: row for row in rows(campaign)}
    assert len(by_person) == campaign.population_count
    answered = by_person["Mona Manager <mona.manager@example.com>"]
    assert answered["status"] == "done"
    assert answered["version"] == "1"
    assert answered["acknowledged_at"]
    assert answered["team"] == "Finance"
    assert (answered["q1_answer"], answered["q2_answer"]) == ("yes", "no")
    assert answered["q2_explanation"] == "'=cmd|' /C calc'!A0"  # a formula is neutralised
    assert answered["follow_up_status"] == FollowUpStatus.OPEN
    silent = by_person["Sam Staff <sam.staff@example.com>"]
    assert (silent["status"], silent["acknowledged_at"], silent["q1_answer"]) == ("no_response", "", "")
    assert silent["manager"] == "Mona Manager <mona.manager@example.com>"


def test_evidence_hash_matches_the_download_the_manifest_and_the_audit_trail(
    security_officer, staff, manager, tmp_path
):
    campaign = closed_campaign(security_officer, staff, manager)
    body = b"".join(services.evidence_stream(campaign))
    manifest = json.loads(services.manifest_bytes(campaign))
    assert hashlib.sha256(body).hexdigest() == campaign.evidence_sha256 == manifest["file_sha256"]
    event = AuditEvent.objects.get(action="policy.campaign.close")
    assert event.changes["file_sha256"] == campaign.evidence_sha256
    assert manifest["row_count"] == campaign.population_count
    assert manifest["population_sha256"] == campaign.population_sha256
    assert manifest["questions"][1]["text"] == "I follow rule 2."
    # Offline, as an auditor checks it: sha256sum of the downloaded file.
    path = tmp_path / manifest["file_name"]
    path.write_bytes(body)
    sha256sum = shutil.which("sha256sum")
    assert sha256sum is not None
    # coreutils' sha256sum on a file of our own, fixed arguments
    out = subprocess.run([sha256sum, str(path)], capture_output=True, text=True, check=True).stdout  # noqa: S603
    assert out.split()[0] == manifest["file_sha256"]
    assert services.manifest_bytes(campaign) == services.manifest_bytes(campaign)  # frozen, the same


def test_the_population_hash_is_recomputed_from_the_evidence(security_officer, staff, manager):
    people(4)
    campaign = closed_campaign(security_officer, staff, manager)
    lines = sorted(f"{row['person_id']},{row['person']}" for row in rows(campaign))
    assert hashlib.sha256("\n".join(lines).encode()).hexdigest() == campaign.population_sha256


def test_large_evidence_is_stored_in_pieces_that_add_up(monkeypatch, security_officer):
    monkeypatch.setattr("dpms.campaigns.CHUNK_CHARACTERS", 500)
    monkeypatch.setattr(
        services.shared, "store_evidence_csv", _with_small_chunks(services.shared.store_evidence_csv)
    )
    people(30)
    campaign = campaign_launch(actor=security_officer, policy=policy_in_force())
    campaign = campaign_close(actor=security_officer, campaign=campaign, now=timezone.now())
    pieces = list(PolicyEvidenceChunk.objects.filter(campaign=campaign).order_by("position"))
    assert len(pieces) > 3
    assert all(piece.text.endswith("\r\n") for piece in pieces)
    body = services.evidence_bytes(campaign)
    assert body == "".join(piece.text for piece in pieces).encode("utf-8")
    assert hashlib.sha256(body).hexdigest() == campaign.evidence_sha256


def _with_small_chunks(store):
    def small(**kwargs):
        return store(**{**kwargs, "chunk_characters": 500})

    return small


def test_only_a_security_officer_closes_and_only_once(security_officer, auditor, staff):
    campaign = campaign_launch(actor=security_officer, policy=policy_in_force())
    for person in (staff, auditor, None):
        with pytest.raises(ValidationError):
            campaign_close(actor=person, campaign=campaign)
    campaign_close(actor=security_officer, campaign=campaign)
    with pytest.raises(ValidationError, match="closed already"):
        campaign_close(actor=security_officer, campaign=campaign)


def test_a_large_campaign_is_marked_closing_and_closed_by_the_task(monkeypatch, security_officer, staff):
    monkeypatch.setattr(services, "BACKGROUND_CLOSE_OVER", 1)
    campaign = campaign_launch(actor=security_officer, policy=policy_in_force())
    closing = campaign_close(actor=security_officer, campaign=campaign)
    assert closing.status == CampaignStatus.CLOSING
    assert campaign.assignments.filter(status=AssignmentStatus.PENDING).exists()  # nothing closed yet
    assert services.campaign_close_finish(campaign_id=campaign.pk) is True
    campaign.refresh_from_db()
    assert (campaign.status, campaign.closed_by) == (CampaignStatus.CLOSED, security_officer)
    assert services.campaign_close_finish(campaign_id=campaign.pk) is False  # twice: nothing more
