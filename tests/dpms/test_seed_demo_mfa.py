"""The demo's privileged people have a second factor from the start: a newcomer signs in as the demo security
officer with the printed password and a code of the printed key (demo only)."""

import re

import pyotp
import pytest
from allauth.mfa.models import Authenticator
from django.urls import reverse

from dpms.models import AuditEvent, User

OFFICER = "lena.hoffmann@northwind.example"
STAFF = "matteo.bianchi@northwind.example"


def printed_key(output: str) -> str:
    return re.search(r"\(Google Authenticator, Aegis, 1Password\): ([A-Z2-7]+)", output)[1]


@pytest.mark.django_db
def test_the_demo_security_officer_signs_in_with_the_printed_key(demo, client):
    assert "Second factor (DEMO ONLY)" in demo.output
    key = printed_key(demo.output)
    assert (demo.data_dir / "demo-totp-secret.txt").read_text().strip() == key

    response = client.post(reverse("account_login"), {"login": OFFICER, "password": demo.password})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": pyotp.TOTP(key).now()})
    assert response["Location"] == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200


@pytest.mark.django_db
def test_only_the_privileged_get_the_demo_key_and_a_second_run_adds_nothing(demo):
    holders = set(Authenticator.objects.values_list("user__email", flat=True))
    privileged = set(User.objects.filter(groups__isnull=False).values_list("email", flat=True))
    assert holders == privileged
    assert len(holders) == 3
    assert STAFF not in holders
    assert AuditEvent.objects.filter(action="auth.mfa.enrol", changes__via="seed_demo").count() == 3

    output = demo.seed()
    assert printed_key(output) == printed_key(demo.output)
    assert Authenticator.objects.count() == 3
