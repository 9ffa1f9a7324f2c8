"""The gate: people whose role needs a second factor reach only enrolment until their session shows one; a
role given binds at the next request, one taken frees at the next; a trusted single sign-on goes by."""

import time

import pytest
from allauth.account.internal.flows.login import AUTHENTICATION_METHODS_SESSION_KEY
from django.test import Client, override_settings
from django.urls import reverse

from dpms import services
from dpms.mfa import IDP_MFA_SESSION_KEY, mfa_required
from tests.factories import TEST_PASSWORD
from tests.mfa_support import give_totp

pytestmark = pytest.mark.django_db

PAGES = [
    "dashboard",
    "audit_trail",
    "notifications",
    "api_tokens",
    "account_change_password",
    "access:grants",
    "risk:register",
    "incidents:queue",
    "incidents:report",
]
OPEN = ["mfa_index", "mfa_activate_totp", "mfa_add_webauthn"]


def signed_in_with_password(user):
    client = Client()
    response = client.post(reverse("account_login"), {"login": user.email, "password": TEST_PASSWORD})
    assert response.status_code == 302
    return client


def test_the_roles_that_need_a_second_factor(personas, settings):
    needing = {name for name, person in personas.items() if mfa_required(person)}
    assert needing == {"security_officer", "auditor", "admin"}
    settings.MFA_REQUIRED_ROLES = ["auditor"]
    assert {name for name, person in personas.items() if mfa_required(person)} == {"auditor"}


def test_a_break_glass_account_needs_one_whatever_its_role(staff, settings):
    settings.BREAK_GLASS_EMAILS = [staff.email]
    assert mfa_required(staff)


@pytest.mark.parametrize("persona", ["security_officer", "auditor", "admin"])
def test_a_privileged_person_without_a_factor_reaches_only_enrolment(personas, persona):
    client = signed_in_with_password(personas[persona])
    for name in PAGES:
        response = client.get(reverse(name))
        assert (name, response.status_code, response["Location"]) == (name, 302, reverse("mfa_index"))
    assert client.get("/admin/")["Location"] == reverse("mfa_index")
    for name in OPEN:
        assert client.get(reverse(name)).status_code == 200, name
    assert client.get(reverse("healthz")).status_code in (200, 503)  # the health check answers, gate or not


def test_the_enrolment_page_says_why(security_officer):
    client = signed_in_with_password(security_officer)
    page = client.get(reverse("mfa_index")).content.decode()
    assert "Your role needs a second factor before you can use DPMS" in page


def test_the_api_with_a_session_is_refused_with_a_problem(security_officer):
    client = signed_in_with_password(security_officer)
    response = client.get("/api/v1/people/")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["title"] == "Two-factor authentication required"


def test_htmx_requests_are_sent_to_enrolment_as_a_whole_page(security_officer):
    client = signed_in_with_password(security_officer)
    response = client.get(reverse("notifications"), HTTP_HX_REQUEST="true")
    assert response["HX-Redirect"] == reverse("mfa_index")


def test_signing_out_stays_open(security_officer):
    client = signed_in_with_password(security_officer)
    assert client.post(reverse("account_logout"))["Location"] == reverse("account_login")
    assert client.get(reverse("dashboard"))["Location"].startswith(reverse("account_login"))


def test_staff_without_a_factor_work_as_before(staff):
    client = signed_in_with_password(staff)
    assert client.get(reverse("dashboard")).status_code == 200


def test_gaining_a_role_sends_to_enrolment_at_the_next_request(staff, admin_user):
    client = signed_in_with_password(staff)
    assert client.get(reverse("dashboard")).status_code == 200
    services.user_set_roles(actor=admin_user, user=staff, roles=["auditor"])
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")


def test_losing_the_role_frees_at_the_next_request(auditor, admin_user):
    client = signed_in_with_password(auditor)
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")
    services.user_set_roles(actor=admin_user, user=auditor, roles=[])
    assert client.get(reverse("dashboard")).status_code == 200


def test_enrolled_but_the_session_showed_no_factor_is_asked_for_it(security_officer):
    """A session that signed in without allauth's second-factor stage (no such path exists today; the gate
    fails closed should one appear) is asked for the code before anything else."""
    app = give_totp(security_officer)
    client = Client()
    client.force_login(security_officer)
    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [{"method": "password", "at": time.time()}]
    session.save()
    response = client.get(reverse("dashboard"))
    assert response["Location"] == reverse("mfa_reauthenticate") + "?next=%2Fdashboard%2F"
    response = client.post(response["Location"], {"code": app.now(), "next": "/dashboard/"})
    assert response["Location"] == "/dashboard/"
    assert client.get(reverse("dashboard")).status_code == 200


def test_a_session_with_no_sign_in_record_is_held(security_officer):
    client = Client()
    client.force_login(security_officer)
    session = client.session
    del session[AUTHENTICATION_METHODS_SESSION_KEY]
    session.save()
    assert client.get(reverse("dashboard"))["Location"] == reverse("mfa_index")


def sso_session(user, *, trusted, then_password=False):
    """A session as dpms/sso.py leaves it after a single sign-on (allauth's record, our flag)."""
    client = Client()
    client.force_login(user)
    session = client.session
    records = [{"method": "socialaccount", "at": time.time(), "provider": "okta", "uid": "00u1"}]
    if then_password:
        records.append({"method": "password", "at": time.time()})
    session[AUTHENTICATION_METHODS_SESSION_KEY] = records
    if trusted:
        session[IDP_MFA_SESSION_KEY] = True
    session.save()
    return client


def test_a_trusted_single_sign_on_is_not_sent_to_enrolment(security_officer):
    assert sso_session(security_officer, trusted=True).get(reverse("dashboard")).status_code == 200


def test_an_untrusted_single_sign_on_is_sent_to_enrolment(security_officer):
    response = sso_session(security_officer, trusted=False).get(reverse("dashboard"))
    assert response["Location"] == reverse("mfa_index")


def test_a_password_sign_in_after_a_trusted_single_sign_on_is_not_trusted(security_officer):
    response = sso_session(security_officer, trusted=True, then_password=True).get(reverse("dashboard"))
    assert response["Location"] == reverse("mfa_index")


@override_settings(MFA_REQUIRED_ROLES=[])
def test_no_required_roles_no_gate(security_officer):
    assert signed_in_with_password(security_officer).get(reverse("dashboard")).status_code == 200
