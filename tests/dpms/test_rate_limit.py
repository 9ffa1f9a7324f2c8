"""Failed sign-ins: the 6th attempt in 5 minutes is refused per account and address, no one else locked out.

The limits live in the cache (Redis when REDIS_URL is set), as in production. Time moves by patching the
clock allauth's rate limiter reads, never by sleeping.
"""

import time
from unittest import mock

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse

from dpms.adapters import LOCKED_OUT_MESSAGE
from dpms.models import AuditEvent

pytestmark = pytest.mark.django_db

HOME = "192.0.2.10"
ELSEWHERE = "198.51.100.20"
WRONG = "definitely the wrong password"


def attempt(email, password, address=HOME, next_url=""):
    client = Client(REMOTE_ADDR=address)
    response = client.post(reverse("account_login") + next_url, {"login": email, "password": password})
    return client, response


def fail_five_times(email, address=HOME):
    for _ in range(5):
        _, response = attempt(email, WRONG, address)
        assert LOCKED_OUT_MESSAGE.encode() not in response.content


def signed_in(client):
    return SESSION_KEY in client.session


def test_sixth_attempt_is_refused_even_with_the_right_password(staff, password):
    fail_five_times(staff.email)
    client, response = attempt(staff.email, password)
    assert not signed_in(client)
    assert response.status_code == 200
    assert LOCKED_OUT_MESSAGE.encode() in response.content


def test_refused_attempt_is_recorded(staff, password):
    fail_five_times(staff.email)
    attempt(staff.email, password)
    refused = AuditEvent.objects.filter(
        action="auth.sign_in_failed", changes__reason="too many failed attempts"
    )
    assert [(e.object_label, e.client_ip) for e in refused] == [(staff.email, HOME)]


def test_fewer_than_five_failures_do_not_block(staff, password):
    for _ in range(4):
        attempt(staff.email, WRONG)
    client, _ = attempt(staff.email, password)
    assert signed_in(client)


def test_successful_sign_ins_do_not_use_up_the_allowance(staff, password):
    for _ in range(6):
        client, _ = attempt(staff.email, password)
        assert signed_in(client)


def test_another_account_from_the_same_address_still_signs_in(staff, second_report, password):
    fail_five_times(staff.email)
    client, _ = attempt(second_report.email, password)
    assert signed_in(client)


def test_the_same_account_from_another_address_still_signs_in(staff, password):
    fail_five_times(staff.email)
    client, _ = attempt(staff.email, password, address=ELSEWHERE)
    assert signed_in(client)


def test_the_limit_ignores_the_case_of_the_email(staff, password):
    fail_five_times(staff.email.upper())
    client, _ = attempt(staff.email, password)
    assert not signed_in(client)


def test_the_limit_expires_by_itself_after_five_minutes(staff, password):
    first = time.time()
    fail_five_times(staff.email)
    last = time.time()
    with mock.patch("time.time", return_value=first + 290):
        client, _ = attempt(staff.email, password)
        assert not signed_in(client)
    with mock.patch("time.time", return_value=last + 301):
        client, _ = attempt(staff.email, password)
        assert signed_in(client)


def test_admin_sign_in_has_the_same_protection(admin_user, password):
    for _ in range(5):
        attempt(admin_user.email, WRONG, next_url="?next=/admin/")
    client, response = attempt(admin_user.email, password, next_url="?next=/admin/")
    assert LOCKED_OUT_MESSAGE.encode() in response.content
    assert client.get("/admin/").status_code == 302


def test_guessing_one_account_from_many_addresses_is_stopped(staff, password, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_wide": "30/300s/ip,6/300s/key",
    }
    for n in range(6):
        attempt(staff.email, WRONG, address=f"203.0.113.{n + 1}")
    client, response = attempt(staff.email, password, address=ELSEWHERE)
    assert LOCKED_OUT_MESSAGE.encode() in response.content


def test_spraying_many_accounts_from_one_address_is_stopped(staff, password, settings):
    settings.ACCOUNT_RATE_LIMITS = {
        **settings.ACCOUNT_RATE_LIMITS,
        "login_failed_wide": "6/300s/ip,20/300s/key",
    }
    for n in range(6):
        attempt(f"guess{n}@example.com", WRONG)
    client, response = attempt(staff.email, password)
    assert LOCKED_OUT_MESSAGE.encode() in response.content
    client, _ = attempt(staff.email, password, address=ELSEWHERE)
    assert signed_in(client)
