"""Personal access tokens: shown once, stored only as a fingerprint, and refused when expired, revoked,
read-only on a write, used from elsewhere, or when their owner is deactivated; creation and revocation are
audited."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms import services
from dpms.models import ApiToken, AuditEvent
from tests.dpms.api_support import api_client, token_for

pytestmark = pytest.mark.django_db

PEOPLE = reverse("api:person-list")
MARK_READ = reverse("api:notification-mark-read")


def test_a_token_acts_as_its_owner(staff):
    _token, text = token_for(staff)
    response = api_client(text).get(reverse("api:person-detail", args=[staff.pk]))
    assert response.status_code == 200
    assert response.json()["email"] == staff.email


def test_the_secret_is_never_stored(staff):
    token, text = token_for(staff)
    secret = text.rsplit("_", 1)[1]
    row = ApiToken.objects.values().get(pk=token.pk)
    assert text.startswith(f"dpms_{token.prefix}_")
    assert all(secret not in str(value) for value in row.values())
    event = AuditEvent.objects.get(action="people.api_token.create")
    assert secret not in str(event.changes)


def test_no_token_gets_401_with_the_scheme_to_use(client):
    response = api_client().get(PEOPLE)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["status"] == 401


@pytest.mark.parametrize(
    "mangle",
    [
        lambda text: text[:-1] + ("A" if text[-1] != "A" else "B"),  # wrong secret
        lambda text: "dpms_000000000000_" + text.rsplit("_", 1)[1],  # unknown prefix
        lambda text: "not-a-token",
        lambda text: text + " extra",
    ],
)
def test_a_wrong_token_gets_401(staff, mangle):
    _token, text = token_for(staff)
    assert api_client(mangle(text)).get(PEOPLE).status_code == 401


def test_an_expired_token_gets_401(staff):
    token, text = token_for(staff)
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert api_client(text).get(PEOPLE).status_code == 401


def test_a_revoked_token_gets_401_and_the_revocation_is_audited(staff, security_officer):
    token, text = token_for(staff)
    assert api_client(text).get(PEOPLE).status_code == 200
    services.api_token_revoke(actor=security_officer, token=token)
    assert api_client(text).get(PEOPLE).status_code == 401
    event = AuditEvent.objects.get(action="people.api_token.revoke")
    assert event.actor == security_officer
    assert event.object_id == str(token.pk)


def test_a_deactivated_owners_tokens_stop_working(staff, admin_user):
    _token, text = token_for(staff, read_only=False)
    services.user_deactivate(actor=admin_user, user=staff)
    assert api_client(text).get(PEOPLE).status_code == 401


def test_a_read_only_token_may_read_but_not_write(staff):
    _token, text = token_for(staff, read_only=True)
    client = api_client(text)
    assert client.get(PEOPLE).status_code == 200
    response = client.post(MARK_READ, {}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "This token is read-only."


def test_a_read_write_token_writes_with_no_csrf_and_its_write_is_in_its_history(staff):
    token, text = token_for(staff, read_only=False)
    assert api_client(text, enforce_csrf_checks=True).post(MARK_READ, {}, format="json").status_code == 200
    assert list(token.requests.values_list("method", "path", "status")) == [("POST", MARK_READ, 200)]


def test_a_token_limited_to_networks_is_refused_elsewhere(staff):
    _token, text = token_for(staff, networks=["10.1.0.0/16"])
    assert api_client(text, REMOTE_ADDR="10.1.2.3").get(PEOPLE).status_code == 200
    response = api_client(text, REMOTE_ADDR="192.0.2.7").get(PEOPLE)
    assert response.status_code == 403
    assert "network" in response.json()["detail"]


def test_last_use_time_and_address_are_noted(staff):
    token, text = token_for(staff)
    api_client(text, REMOTE_ADDR="192.0.2.9").get(PEOPLE)
    token.refresh_from_db()
    assert token.last_used_ip == "192.0.2.9"
    assert timezone.now() - token.last_used_at < timedelta(minutes=1)


@pytest.mark.parametrize("days", [0, 366])
def test_a_token_lives_one_day_to_one_year(staff, days):
    with pytest.raises(ValueError, match="1 to 365 days"):
        token_for(staff, days=days)


def test_a_browser_session_writes_only_with_the_csrf_token(client, staff):
    from rest_framework.test import APIClient

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(staff, backend="allauth.account.auth_backends.AuthenticationBackend")
    response = browser.post(MARK_READ, {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    assert browser.get(PEOPLE).status_code == 200
