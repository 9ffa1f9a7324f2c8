"""The refusal page says what was refused: a page one may not see, or a change one may not make (an
auditor reads the risk but may not change its status, and is offered the way back)."""

import pytest
from django.urls import reverse

from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


def test_a_page_one_may_not_see_says_so(client_for, staff):
    response = client_for(staff).get(reverse("audit_trail"))

    assert response.status_code == 403
    assert "You may not see this page" in response.content.decode()


def test_a_refused_change_says_the_change_was_refused_and_offers_the_way_back(client_for, auditor, cast):
    risk = cast.outsider_risk
    page = reverse("risk:risk", args=[risk.pk])
    client = client_for(auditor)
    assert client.get(page).status_code == 200  # the auditor reads the risk

    response = client.post(
        reverse("risk:risk_status", args=[risk.pk]),
        {"status": "closed"},
        HTTP_REFERER=f"http://testserver{page}",
    )

    html = response.content.decode()
    assert response.status_code == 403
    assert "You may not make this change" in html
    assert "You may not see this page" not in html
    assert f'href="http://testserver{page}"' in html  # go back to the page they were on
    assert "Nothing was changed" in html


def test_the_way_back_never_leads_off_the_portal(client_for, auditor, cast):
    risk = cast.outsider_risk
    response = client_for(auditor).post(
        reverse("risk:risk_status", args=[risk.pk]),
        {"status": "closed"},
        HTTP_REFERER="https://evil.example/x",
    )

    html = response.content.decode()
    assert "evil.example" not in html
    assert 'href="/"' in html
