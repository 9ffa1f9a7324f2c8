"""Just-in-time creation (off by default): a person nobody invited is created at their first SSO sign-in,
through the people services (joiner steps, no password invitation), in the team a claim names."""

import pytest
from allauth.socialaccount.models import SocialAccount
from django.core import mail
from django.urls import reverse

from dpms.models import AuditEvent, Team, User
from tests.dpms.oidc import sso_sign_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def jit_app(sso_app):
    sso_app.settings.update(jit=True, team_claim="department")
    sso_app.save()
    return sso_app


def test_a_new_person_is_created_in_the_team_the_claim_names(client, oidc_provider, jit_app, team):
    oidc_provider.set_user(
        "nina", email="Nina.New@example.com", email_verified=True, name="Nina New", department="finance"
    )
    response = sso_sign_in(client, oidc_provider, "nina")
    assert response["Location"] == reverse("dashboard")
    nina = User.objects.get(email="nina.new@example.com")
    assert (nina.full_name, nina.team) == ("Nina New", team)  # the existing "Finance", whatever the case
    assert not nina.has_usable_password()
    assert SocialAccount.objects.get(user=nina).uid == "nina"
    created = AuditEvent.objects.get(action="people.user.invite", object_id=str(nina.pk))
    assert (created.source, created.actor) == ("sso", None)
    assert not [m for m in mail.outbox if "invited" in m.subject.lower()]


def test_a_team_is_made_when_none_has_the_claimed_name(client, oidc_provider, jit_app):
    oidc_provider.set_user("rex", email="rex@example.com", email_verified=True, department="Research")
    sso_sign_in(client, oidc_provider, "rex")
    assert User.objects.get(email="rex@example.com").team == Team.objects.get(name="Research")


def test_just_in_time_creation_still_needs_a_verified_email_of_an_allowed_domain(
    client, oidc_provider, jit_app
):
    oidc_provider.set_user("a", email="a@example.com", email_verified=False)
    oidc_provider.set_user("b", email="b@elsewhere.org", email_verified=True)
    sso_sign_in(client, oidc_provider, "a")
    sso_sign_in(client, oidc_provider, "b")
    assert not User.objects.filter(email__in=["a@example.com", "b@elsewhere.org"]).exists()
    reasons = list(
        AuditEvent.objects.filter(action="auth.sso.refused").values_list("changes__reason", flat=True)
    )
    assert sorted(reasons) == ["domain", "unverified_email"]


def test_off_by_default(client, oidc_provider, sso_app):
    oidc_provider.set_user("nina", email="nina@example.com", email_verified=True)
    response = sso_sign_in(client, oidc_provider, "nina")
    assert response.status_code == 403
    assert not User.objects.filter(email="nina@example.com").exists()
