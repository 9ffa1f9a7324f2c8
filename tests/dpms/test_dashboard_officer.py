"""The security officer's dashboard: pictures of campaign completion, the risk portfolio, open incidents,
MTTA/MTTR and the breach clocks; every number links to a list showing exactly that many rows."""

import re
from html import unescape

import pytest
from django.urls import reverse

from tests.dpms.dashboard_support import officer_world

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def rows_behind(client, link: str) -> int:
    """How many rows the list at ``link`` says it shows (its paginator's count)."""
    response = client.get(unescape(link))
    assert response.status_code == 200, link
    return response.context["page"].paginator.count


def test_the_officer_sees_every_chart(client_for, security_officer, staff):
    officer_world(12, reporters=[staff])
    response = client_for(security_officer).get(DASHBOARD)
    page = response.content.decode()
    for slug in ("campaign-completion", "risk-portfolio", "risk-above-appetite", "open-incidents"):
        assert f'data-chart="{slug}"' in page, slug
    assert 'data-chart="dashboard-mttr"' in page
    assert 'data-chart="dashboard-clocks"' in page
    assert "style=" not in re.sub(r"<link[^>]*>", "", page.split('<main id="main"')[1])
