"""The tick's safety net for scanner imports: one still running long after it was last heard of lost its
task and is sent again, a few times, then ended failed with nothing imported."""

import datetime

import pytest
from django.utils import timezone

from tests.access.factories import SystemFactory
from tests.vulnerabilities.imports_support import sample
from vulnerabilities.choices import ScanImportState
from vulnerabilities.models import ScanImport
from vulnerabilities.services.imports import MAX_ATTEMPTS, PROCESS_TASK, STALLED_AFTER, scan_imports_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture
def stalled(staff):
    long_ago = timezone.now() - STALLED_AFTER - datetime.timedelta(minutes=1)
    return ScanImport.objects.create(
        system=SystemFactory(owner=staff),
        filename="trivy.json",
        sha256="0" * 64,
        content=sample("trivy.json"),
        state=ScanImportState.CHECKING,
        progress_at=long_ago,
        attempts=1,
    )


def test_a_stalled_import_is_sent_again(stalled, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "vulnerabilities.services.imports.enqueue", lambda task, args: sent.append((task, args))
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert scan_imports_sweep(now=timezone.now()) == 1
    stalled.refresh_from_db()
    assert (stalled.state, stalled.attempts) == (ScanImportState.QUEUED, 2)
    assert sent == [(PROCESS_TASK, [stalled.pk])]
    # Heard of just now: the next tick leaves it alone.
    assert scan_imports_sweep(now=timezone.now()) == 0


def test_after_the_last_attempt_it_ends_failed(stalled):
    ScanImport.objects.filter(pk=stalled.pk).update(attempts=MAX_ATTEMPTS)
    assert scan_imports_sweep(now=timezone.now()) == 1
    stalled.refresh_from_db()
    assert stalled.state == ScanImportState.FAILED
    assert "nothing was imported" in stalled.error
    assert stalled.content == b""


def test_a_recent_or_finished_import_is_left_alone(stalled):
    ScanImport.objects.filter(pk=stalled.pk).update(state=ScanImportState.APPLIED)
    assert scan_imports_sweep(now=timezone.now()) == 0
