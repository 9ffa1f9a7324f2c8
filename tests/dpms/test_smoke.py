import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_login_page_renders(client):
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    assert b"Sign In" in response.content or b"Sign in" in response.content


def test_dashboard_for_staff(client_for, staff):
    response = client_for(staff).get(reverse("dashboard"))
    assert response.status_code == 200
    assert b"Sam" in response.content
