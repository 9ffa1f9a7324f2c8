"""Domain apps add navigation links, dashboard panels and page sections through dpms.portal, shown by role."""

import pytest
from django.urls import reverse

from dpms import portal
from tests.dashboard_support import dashboard_html
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def extension(monkeypatch):
    monkeypatch.setattr(portal, "_apps", {})
    portal.register_app(
        portal.App(
            name="extension",
            nav=portal.Link("Officers only", "audit_trail", visible=lambda user: user.is_security_officer),
            panels=[
                portal.Panel(
                    "partials/panel.html",
                    lambda request: {"title": "Your queue"},
                    key="extension-queue",
                    visible=lambda user: user.is_security_officer,
                )
            ],
        )
    )


def test_an_apps_link_and_panel_show_to_the_people_they_are_for(client_for, security_officer, extension):
    page = dashboard_html(client_for(security_officer))
    assert "Officers only" in page
    assert "Your queue" in page


def test_an_apps_link_and_panel_stay_hidden_from_others(client_for, staff, extension):
    page = dashboard_html(client_for(staff))
    assert "Officers only" not in page
    assert "Your queue" not in page


def test_a_page_shows_the_sections_other_apps_add_to_its_slot_and_stands_without_them(
    client_for, security_officer, monkeypatch
):
    url = reverse("risk:risk", args=[RiskFactory().pk])
    client = client_for(security_officer)
    assert 'id="materialised-incidents"' in client.get(url).content.decode()  # added by the incidents app
    monkeypatch.setattr(portal, "_apps", {k: v for k, v in portal._apps.items() if k != "incidents"})
    response = client.get(url)
    assert response.status_code == 200
    assert 'id="materialised-incidents"' not in response.content.decode()
