"""The password policy on every path a person sets a password: allauth's change form and the invitation form.

At least 12 characters, up to 128 allowed, no common passwords, nothing like the person's name or email;
bcrypt (SHA-256 pre-hashed) first.
"""

import pytest
from django.urls import reverse

from dpms import services
from dpms.models import User

pytestmark = pytest.mark.django_db

LONG_64 = "correct-horse-battery-staple-" + "x7Q" * 11 + "ab"
LONG_100 = (
    "a passphrase that rambles on about tea, rivers and old bicycles for exactly one hundred characters!!"
)

REFUSED = [
    pytest.param("Tr0ub4dor&3", "too short", id="short"),
    pytest.param("password1234", "too common", id="common"),
    pytest.param("samstaff@example", "too similar", id="like-email"),
    pytest.param("Sam Staff 2026!", "too similar", id="like-name"),
    pytest.param("p" * 129, "too long", id="too-long"),
]


def test_long_passwords_fixtures_have_the_lengths_they_claim():
    assert (len(LONG_64), len(LONG_100)) == (64, 100)


def change_password(client, old, new):
    return client.post(
        reverse("account_change_password"), {"oldpassword": old, "password1": new, "password2": new}
    )


@pytest.mark.parametrize(("new_password", "message"), REFUSED)
def test_change_password_form_refuses_weak_passwords(client_for, staff, password, new_password, message):
    response = change_password(client_for(staff), password, new_password)
    assert response.status_code == 200
    assert message in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(password)


@pytest.mark.parametrize("new_password", [LONG_64, LONG_100])
def test_change_password_form_accepts_long_passphrases(client_for, staff, password, new_password):
    response = change_password(client_for(staff), password, new_password)
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password(new_password)
    assert staff.password.startswith("bcrypt_sha256$")


def test_change_password_form_explains_the_policy(client_for, staff):
    content = client_for(staff).get(reverse("account_change_password")).content.decode()
    assert "at least 12 characters" in content


@pytest.fixture
def invitee(db):
    return User.objects.create_user(email="samstaff@example.com", full_name="Sam Staff")


def accept_invitation(client, user, new_password):
    return client.post(services.invitation_link(user), {"password1": new_password, "password2": new_password})


@pytest.mark.parametrize(("new_password", "message"), REFUSED)
def test_invitation_form_refuses_weak_passwords(client, invitee, new_password, message):
    response = accept_invitation(client, invitee, new_password)
    assert response.status_code == 200
    assert message in response.content.decode()
    invitee.refresh_from_db()
    assert not invitee.has_usable_password()


@pytest.mark.parametrize("new_password", [LONG_64, LONG_100])
def test_invitation_form_accepts_long_passphrases(client, invitee, new_password):
    assert accept_invitation(client, invitee, new_password).status_code == 302
    invitee.refresh_from_db()
    assert invitee.check_password(new_password)
    assert invitee.password.startswith("bcrypt_sha256$")


def test_invitation_form_refuses_two_different_passwords(client, invitee):
    response = client.post(services.invitation_link(invitee), {"password1": LONG_64, "password2": LONG_100})
    assert "The two passwords differ" in response.content.decode()
