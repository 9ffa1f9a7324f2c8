"""The authenticator app (TOTP): enrolment through the pages, sign-in with a code computed here (pyotp), no
code twice, recovery codes once each, and wrong codes using up the same sign-in allowance as wrong
passwords."""

import time

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import SECRET_SESSION_KEY
from django.contrib.auth import SESSION_KEY
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from dpms.adapters import LOCKED_OUT_MESSAGE
from dpms.models import AuditEvent, OutboxEmail
from tests.factories import TEST_PASSWORD
from tests.mfa_support import give_totp

pytestmark = pytest.mark.django_db

HOME = "192.0.2.10"


def password_step(user, address=HOME):
    """A browser that gave the right password: allauth now asks for the second factor (or lets it in)."""
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    return client, response


def second_step(client, code):
    return client.post(reverse("mfa_authenticate"), {"code": code})


def signed_in(client):
    return SESSION_KEY in client.session


# Committed for real: allauth announces the new factor after its transaction commits.
@pytest.mark.django_db(transaction=True)
def test_security_officer_enrols_an_app_and_then_signs_in_with_its_codes(security_officer):
    client, response = password_step(security_officer)
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")  # held at enrolment

    page = client.get(reverse("mfa_activate_totp"))
    assert page.status_code == 200
    assert b"data:image/svg+xml" in page.content  # the QR code
    secret = client.session[SECRET_SESSION_KEY]
    assert secret.encode() in page.content  # and the key, for typing in by hand
    app = pyotp.TOTP(secret)
    enrolment_code = app.now()
    response = client.post(reverse("mfa_activate_totp"), {"code": enrolment_code})
    assert response.status_code == 302
    assert Authenticator.objects.filter(user=security_officer, type="totp").exists()
    assert Authenticator.objects.filter(user=security_officer, type="recovery_codes").exists()
    assert client.get(reverse("dashboard")).status_code == 200  # enrolling showed the factor

    enrolled = AuditEvent.objects.get(action="auth.mfa.enrol")
    assert (enrolled.actor, enrolled.object_id, enrolled.changes["type"]) == (
        security_officer,
        str(security_officer.pk),
        "totp",
    )
    assert AuditEvent.objects.filter(action="auth.mfa.recovery_codes_generated").count() == 1
    notice = OutboxEmail.objects.get(to=security_officer.email)
    assert "second factor was added" in notice.subject
    assert "authenticator app" in notice.subject

    client.post(reverse("account_logout"))
    client, response = password_step(security_officer)
    assert response["Location"] == reverse("mfa_authenticate")
    assert not signed_in(client)
    assert b"Incorrect code" in second_step(client, enrolment_code).content  # used up at enrolment
    response = second_step(client, app.at(time.time() - 30))  # another code than enrolment's
    assert response["Location"] == reverse("dashboard")
    assert signed_in(client)
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_code_works_once(security_officer):
    app = give_totp(security_officer)
    code = app.now()
    first, _ = password_step(security_officer)
    assert second_step(first, code)["Location"] == reverse("dashboard")

    second, _ = password_step(security_officer, address="198.51.100.20")
    response = second_step(second, code)
    assert not signed_in(second)
    assert b"Incorrect code" in response.content


def test_the_used_code_is_kept_in_the_shared_cache(security_officer):
    """allauth marks a used code in Django's cache (Redis in production, shared by every web process) for the
    whole tolerance window, not in the process's memory."""
    app = give_totp(security_officer)
    code = app.now()
    first, _ = password_step(security_officer)
    second_step(first, code)
    totp = Authenticator.objects.get(user=security_officer, type="totp").wrap()
    assert cache.get(totp._get_used_cache_key(code)) is not None


def test_a_recovery_code_signs_in_once_and_tells_the_person(auditor):
    give_totp(auditor)
    codes = RecoveryCodes.activate(auditor).get_unused_codes()
    first, _ = password_step(auditor)
    assert second_step(first, codes[0])["Location"] == reverse("dashboard")

    used = AuditEvent.objects.get(action="auth.mfa.recovery_code_used")
    assert used.actor == auditor
    assert used.changes["unused_left"] == len(codes) - 1
    notice = OutboxEmail.objects.get(to=auditor.email)
    assert "recovery code was used" in notice.subject
    assert f"{len(codes) - 1} unused codes are left" in notice.body

    second, _ = password_step(auditor)
    second_step(second, codes[0])
    assert not signed_in(second)
    third, _ = password_step(auditor)
    second_step(third, codes[1])
    assert signed_in(third)


def test_wrong_codes_use_up_the_sign_in_allowance_of_a_wrong_password(security_officer):
    app = give_totp(security_officer)
    client, _ = password_step(security_officer)
    for _ in range(5):
        response = second_step(client, "000000" if app.now() != "000000" else "111111")
        assert b"Incorrect code" in response.content
    response = second_step(client, app.now())  # the sixth try, right code: refused like a sixth password
    assert LOCKED_OUT_MESSAGE.encode() in response.content
    assert not signed_in(client)

    # The right password from the same address is now refused too: codes and passwords share the allowance.
    again, response = password_step(security_officer)
    assert LOCKED_OUT_MESSAGE.encode() in response.content
    # ... while the person from another address still signs in.
    elsewhere, response = password_step(security_officer, address="198.51.100.20")
    assert response["Location"] == reverse("mfa_authenticate")

    failed = AuditEvent.objects.filter(action="auth.sign_in_failed", object_label=security_officer.email)
    reasons = [event.changes["reason"] for event in failed.order_by("sequence")]
    assert reasons[:5] == ["wrong second-factor code"] * 5
    assert "too many failed attempts" in reasons


def test_a_right_code_does_not_count_as_a_failure(security_officer):
    """Two wrong codes and a right one, twice: four failures, within the five allowed. Were the right codes
    counted, the second one would be the sixth attempt and refused."""
    app = give_totp(security_officer)
    for code in (app.at(time.time() - 30), app.now()):
        client, response = password_step(security_officer)
        assert response["Location"] == reverse("mfa_authenticate")
        for _ in range(2):
            second_step(client, "000000" if code != "000000" else "111111")
        assert second_step(client, code)["Location"] == reverse("dashboard")
        client.post(reverse("account_logout"))


def test_turning_the_app_off_is_audited_told_and_sends_back_to_enrolment(security_officer):
    app = give_totp(security_officer)
    RecoveryCodes.activate(security_officer)
    client, _ = password_step(security_officer)
    second_step(client, app.now())
    assert client.get(reverse("mfa_deactivate_totp")).status_code == 200

    response = client.post(reverse("mfa_deactivate_totp"))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=security_officer).exists()  # recovery codes went with it
    removed = AuditEvent.objects.filter(action="auth.mfa.remove").order_by("sequence")
    assert [event.changes["type"] for event in removed] == ["totp", "recovery_codes"]
    notices = OutboxEmail.objects.filter(to=security_officer.email)
    assert [notice.subject for notice in notices] == [
        "A second factor was removed from your DPMS account: authenticator app"
    ]
    # Their role needs a second factor and they have none now: back to enrolment at once.
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")


@pytest.mark.django_db(transaction=True)
def test_refused_security_key_answers_use_up_the_same_allowance(security_officer):
    """The second-factor step also takes a security key's answer: a refused one counts like a wrong code,
    so a wrong key cannot be tried without limit beside the codes."""
    app = give_totp(security_officer)
    client, _ = password_step(security_officer)
    bogus = '{"id": "AAAA", "rawId": "AAAA", "type": "public-key", "response": {}}'
    for _ in range(5):
        response = client.post(reverse("mfa_authenticate"), {"credential": bogus})
        assert response.status_code == 200
        assert not signed_in(client)
    response = second_step(client, app.now())  # the sixth try, the right code: refused
    assert LOCKED_OUT_MESSAGE.encode() in response.content
    assert not signed_in(client)
    failed = AuditEvent.objects.filter(action="auth.sign_in_failed", object_label=security_officer.email)
    reasons = [event.changes["reason"] for event in failed.order_by("sequence")]
    assert reasons[:5] == ["security key refused"] * 5
