"""Verifying the audit trail from the portal: the button on the trail's page (dpms.views.audit_verify), the
run in the background (dpms.integrity, through a real worker), its progress polled by htmx and its result;
the request and the result are themselves audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms import integrity
from dpms.models import AuditEvent, AuditVerification, AuditVerificationState
from tests.audit_guard import guard_lifted
from tests.dpms.outbox_support import wait_until
from tests.factories import audit_event

pytestmark = pytest.mark.django_db

TRAIL = reverse("audit_trail")
VERIFY = reverse("audit_verify")
KEY = "test-checkpoint-key-" + "k" * 40


def persona(request, name):
    if name == "manager":
        request.getfixturevalue("staff")
    return request.getfixturevalue({"admin": "admin_user"}.get(name, name))


def progress_url(run):
    return reverse("audit_verification", args=[run.pk])


# --- Who may ----------------------------------------------------------------------------------------------
def test_anonymous_visitors_are_sent_to_sign_in(client):
    run = AuditVerification.objects.create()
    for response in (client.post(VERIFY), client.get(progress_url(run))):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    assert AuditVerification.objects.count() == 1


@pytest.mark.parametrize("name", ["staff", "manager", "outsider"])
def test_people_without_an_audit_role_cannot_verify_or_read_a_run(client_for, request, name):
    run = AuditVerification.objects.create(state=AuditVerificationState.OK, in_progress=None)
    client = client_for(persona(request, name))

    assert client.post(VERIFY).status_code == 403
    assert client.get(progress_url(run)).status_code == 403
    assert AuditVerification.objects.count() == 1
    assert AuditEvent.objects.filter(action="security.access_denied").count() == 2


@pytest.mark.parametrize("name", ["auditor", "security_officer", "admin"])
def test_whoever_reads_the_trail_sees_the_button_and_may_press_it(client_for, request, name):
    user = persona(request, name)
    client = client_for(user)

    assert b'data-testid="audit-verify"' in client.get(TRAIL).content
    response = client.post(VERIFY)

    assert response.status_code == 302
    assert response["Location"] == TRAIL
    run = AuditVerification.objects.get()
    assert (run.requested_by, run.state, run.in_progress) == (user, AuditVerificationState.QUEUED, True)
    event = AuditEvent.objects.get(action="audit.verification.request")
    assert (event.actor_id, event.object_type, event.object_id) == (
        user.pk,
        "dpms.auditverification",
        str(run.pk),
    )


def test_the_button_only_posts(client_for, auditor):
    assert client_for(auditor).get(VERIFY).status_code == 405
    assert not AuditVerification.objects.exists()


def test_an_unknown_run_is_a_404(client_for, auditor):
    assert client_for(auditor).get(reverse("audit_verification", args=[999])).status_code == 404


# --- One at a time ----------------------------------------------------------------------------------------
def test_one_run_at_a_time_a_second_press_shows_the_first(client_for, auditor, security_officer):
    client_for(auditor).post(VERIFY)

    response = client_for(security_officer).post(VERIFY, follow=True)

    assert AuditVerification.objects.count() == 1
    assert "under way already" in response.content.decode()
    assert AuditEvent.objects.filter(action="audit.verification.request").count() == 1


def test_a_run_its_worker_lost_ends_failed_and_does_not_block_the_next(auditor):
    lost = AuditVerification.objects.create(
        progress_at=timezone.now() - integrity.STALLED_AFTER - timedelta(1)
    )

    run, created = integrity.audit_verification_request(actor=auditor)

    assert created
    assert run.pk != lost.pk
    lost.refresh_from_db()
    assert (lost.state, lost.in_progress) == (AuditVerificationState.FAILED, None)
    assert "No worker finished it" in lost.reason
    assert AuditEvent.objects.filter(action="audit.verification.finish", object_id=str(lost.pk)).exists()


def test_a_run_stalled_on_the_page_offers_to_ask_again(client_for, auditor):
    AuditVerification.objects.create(progress_at=timezone.now() - integrity.STALLED_AFTER - timedelta(1))
    client = client_for(auditor)

    page = client.get(TRAIL).content.decode()

    assert "its worker may have stopped" in page
    assert 'data-testid="audit-verify"' in page
    client.post(VERIFY)
    assert AuditVerification.objects.filter(in_progress=True).count() == 1
    assert AuditVerification.objects.filter(state=AuditVerificationState.FAILED).count() == 1


def test_a_run_under_way_hides_the_button(client_for, auditor):
    integrity.audit_verification_request(actor=auditor)

    page = client_for(auditor).get(TRAIL).content.decode()

    assert 'data-testid="audit-verify"' not in page
    assert 'hx-trigger="every 2s"' in page


# --- The run ----------------------------------------------------------------------------------------------
@pytest.mark.celery
def test_a_whole_trail_is_verified_in_the_background_against_the_checkpoints(
    celery_worker, client_for, auditor, settings, tmp_path
):
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    for n in range(5):
        audit_event(action=f"test.step{n}")
    assert integrity.checkpoint_write() == "written"
    client = client_for(auditor)

    client.post(VERIFY)

    assert wait_until(lambda: AuditVerification.objects.get().finished_at is not None)
    run = AuditVerification.objects.get()
    assert run.state == AuditVerificationState.OK, run.reason
    assert run.checked == run.last_sequence >= 7  # five events, the sign-in and the request
    assert (run.checkpoints_read, run.checkpoint_sequence) == (1, 5)
    finish = AuditEvent.objects.get(action="audit.verification.finish")
    assert (finish.source, finish.changes["state"], finish.object_id) == ("task", "ok", str(run.pk))
    page = client.get(TRAIL).content.decode()
    assert "The audit trail is whole" in page
    assert "Last checkpoint matched: event #5" in page
    assert 'hx-trigger="every 2s"' not in page  # done: nothing polls


@pytest.mark.celery
def test_a_broken_trail_is_reported_with_its_first_bad_event(celery_worker, client_for, auditor, settings):
    settings.AUDIT_CHECKPOINT_KEY = ""
    for n in range(4):
        audit_event(action=f"test.step{n}")
    with guard_lifted() as run:
        run("UPDATE dpms_auditevent SET object_label = 'altered' WHERE sequence = 2")
    client = client_for(auditor)

    client.post(VERIFY)

    assert wait_until(lambda: AuditVerification.objects.get().finished_at is not None)
    result = AuditVerification.objects.get()
    assert (result.state, result.bad_sequence, result.bad_action) == ("broken", 2, "test.step1")
    page = client.get(TRAIL).content.decode()
    assert "The audit trail is broken</strong> at event #2" in page
    assert "AUDIT_CHECKPOINT_KEY is not set" in page


def test_the_run_records_a_checkpoint_that_no_longer_checks_out_as_broken(auditor, settings, tmp_path):
    settings.AUDIT_CHECKPOINT_KEY = KEY
    settings.AUDIT_CHECKPOINT_DIR = tmp_path / "checkpoints"
    audit_event()
    integrity.checkpoint_write()
    path = settings.AUDIT_CHECKPOINT_DIR / "checkpoints.jsonl"
    path.write_text(path.read_text().replace('"sequence": 1', '"sequence": 2'))
    run, _created = integrity.audit_verification_request(actor=auditor)

    assert integrity.audit_verification_run(run_id=run.pk) == "broken"

    run.refresh_from_db()
    assert "signature does not match" in run.reason


def test_a_run_already_finished_is_left_alone(auditor):
    run, _created = integrity.audit_verification_request(actor=auditor)
    assert integrity.audit_verification_run(run_id=run.pk) == "ok"

    assert integrity.audit_verification_run(run_id=run.pk) == "ok"
    assert AuditEvent.objects.filter(action="audit.verification.finish").count() == 1


# --- The progress partial ---------------------------------------------------------------------------------
def test_the_partial_polls_while_running_and_stops_with_the_result(client_for, auditor):
    run, _created = integrity.audit_verification_request(actor=auditor)
    AuditVerification.objects.filter(pk=run.pk).update(state="running", total=200, checked=50)
    client = client_for(auditor)

    running = client.get(progress_url(run)).content.decode()
    assert f'hx-get="{progress_url(run)}"' in running
    assert "50 of 200 events checked" in running

    integrity.audit_verification_run(run_id=run.pk)
    done = client.get(progress_url(run)).content.decode()
    assert "hx-get" not in done
    assert "The audit trail is whole" in done


@pytest.mark.parametrize("size", [3, 60])
def test_the_partial_costs_the_same_queries_whatever_the_trail(
    client_for, auditor, size, django_assert_num_queries
):
    for _ in range(size):
        audit_event()
    run, _created = integrity.audit_verification_request(actor=auditor)
    integrity.audit_verification_run(run_id=run.pk)
    client = client_for(auditor)
    client.get(progress_url(run))

    # The session and the user (2); allauth's user-session tracking, under a savepoint (5); the user's roles
    # (1); the run with who asked for it (1); the unread count every render computes, partials too (1). The
    # session is not saved again: a poll is no sign of activity (``without_session_renewal``).
    with django_assert_num_queries(10):
        response = client.get(progress_url(run))
    assert response.status_code == 200
