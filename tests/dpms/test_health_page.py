"""The officers' System health page and dashboard panel: what /healthz reports, in words, for security
officers and administrators only."""

import pytest
from django.urls import reverse

from dpms import health
from dpms.models import TickRun

pytestmark = pytest.mark.django_db

URL = reverse("system_health")


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "outsider"])
def test_people_who_do_not_run_the_portal_are_refused(client_for, personas, persona):
    client = client_for(personas[persona])
    assert client.get(URL).status_code == 403
    assert client.get(URL, {"panel": "1"}).status_code == 403


@pytest.mark.parametrize("persona", ["security_officer", "admin"])
def test_officers_and_admins_see_every_periodic_task(client_for, personas, persona):
    response = client_for(personas[persona]).get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "All good" in page
    assert page.count('data-testid="health-tick"') == len(health.periodic_tasks())
    assert "Access" in page
    assert "Outbox-sweep" in page


def test_a_stale_tick_is_named_with_what_to_check(client_for, security_officer):
    TickRun.objects.filter(name="risk.tasks.tick").update(watched_since="2026-01-01T00:00Z")
    page = client_for(security_officer).get(URL).content.decode()
    assert "Needs attention" in page
    assert "tick:risk" in page
    assert "no successful run in 15 minutes; is a worker and beat running?" in page


def test_the_dashboard_panel_is_the_report_alone_refreshing_itself(client_for, security_officer):
    response = client_for(security_officer).get(URL, {"panel": "1"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in page
    assert 'id="health-panel"' in page
    assert 'hx-trigger="every 60s"' in page
    assert "All good" in page
