"""Sessions: a new id at sign-in, the idle timeout, the absolute lifetime, and ending on deactivation or a new
password. Time moves by patching django.utils.timezone.now, never by sleeping."""

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dpms import services
from dpms.middleware import SIGNED_IN_AT

pytestmark = pytest.mark.django_db


def sign_in(email, password):
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": password})
    assert response.status_code == 302
    return client


def can_open_dashboard(client):
    response = client.get(reverse("dashboard"))
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_login"))
        return False
    assert response.status_code == 200
    return True


def test_sign_in_issues_a_new_session_id(client, staff, password):
    before = client.session
    before["visited"] = True
    before.save()
    client.post(reverse("account_login"), {"login": staff.email, "password": password})
    after = client.session
    assert after["visited"]  # the same session carried on, under a new id
    assert after.session_key != before.session_key
    assert not Session.objects.filter(session_key=before.session_key).exists()


def test_session_expires_after_30_idle_minutes(staff, password, settings):
    assert settings.SESSION_IDLE_MINUTES == 30
    client = sign_in(staff.email, password)
    start = timezone.now()
    with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=31)):
        assert not can_open_dashboard(client)


def test_activity_keeps_the_session_alive(staff, password):
    client = sign_in(staff.email, password)
    start = timezone.now()
    for minutes in (25, 50, 75):  # each request slides the idle window
        with mock.patch("django.utils.timezone.now", return_value=start + timedelta(minutes=minutes)):
            assert can_open_dashboard(client)


def test_expired_session_row_no_longer_signs_anyone_in(staff, password):
    client = sign_in(staff.email, password)
    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    assert not can_open_dashboard(client)


def _age_session(client, seconds):
    session = client.session
    session[SIGNED_IN_AT] = session[SIGNED_IN_AT] - seconds
    session.save()


def test_session_ends_at_its_absolute_lifetime_however_active(staff, password, settings):
    assert settings.SESSION_MAX_HOURS == 12
    client = sign_in(staff.email, password)
    _age_session(client, 12 * 3600 + 60)
    response = client.get(reverse("dashboard"), follow=True)
    assert response.redirect_chain[-1][0].startswith(reverse("account_login"))
    assert b"maximum lifetime" in response.content
    assert not can_open_dashboard(client)


def test_session_within_its_lifetime_keeps_working(staff, password):
    client = sign_in(staff.email, password)
    _age_session(client, 11 * 3600 + 59 * 60)
    assert can_open_dashboard(client)


def test_deactivating_a_user_ends_their_open_session(staff, admin_user, password):
    client = sign_in(staff.email, password)
    assert can_open_dashboard(client)
    session_key = client.session.session_key

    services.user_deactivate(actor=admin_user, user=staff)

    assert not Session.objects.filter(session_key=session_key).exists()
    assert not can_open_dashboard(client)


def test_changing_the_password_ends_the_other_sessions(staff, password):
    laptop, phone = sign_in(staff.email, password), sign_in(staff.email, password)
    new_password = "another long passphrase for sam"
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": password,
            "password1": new_password,
            "password2": new_password,
        },
    )
    assert response.status_code == 302
    assert can_open_dashboard(laptop)
    assert not can_open_dashboard(phone)
