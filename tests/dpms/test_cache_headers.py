"""No browser or proxy keeps what a signed-in person was shown: pages, CSV exports, evidence and downloads
all say ``Cache-Control: no-store`` (dpms.middleware.NoStoreMiddleware), and so does every answer that sets
the session cookie."""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.choices import DefaultDecision
from access.services.closing import campaign_close
from tests.access.closing_support import campaign_with_items
from tests.caching import assert_not_stored, cache_directives

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name", ["dashboard", "notifications", "access:grants", "risk:register", "incidents:mine"]
)
def test_signed_in_pages_are_not_stored(client, staff, name):
    client.force_login(staff)  # the plain client: this test checks the header itself
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert_not_stored(response)
    assert "private" in cache_directives(response)


@pytest.mark.parametrize(
    "name", ["audit_trail_csv", "access:grants_csv", "risk:register_csv", "incidents:breach_register"]
)
def test_streamed_csv_exports_are_not_stored(client, security_officer, name):
    client.force_login(security_officer)
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert response.streaming
    assert response["Content-Disposition"].startswith("attachment;")
    assert_not_stored(response)


def test_campaign_evidence_and_its_manifest_are_not_stored(client, auditor, security_officer):
    campaign = campaign_with_items(2, default_decision=DefaultDecision.FLAG)
    campaign_close(campaign=campaign, actor=security_officer, now=timezone.now())
    client.force_login(auditor)
    for path in (
        f"/access/campaigns/{campaign.pk}/evidence.csv",
        f"/access/campaigns/{campaign.pk}/evidence-manifest.json",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert_not_stored(response)


def test_the_answer_that_signs_someone_in_is_not_stored(client, staff, password, settings):
    response = client.post(reverse("account_login"), {"login": staff.email, "password": password})
    assert response.status_code == 302
    assert response.cookies[settings.SESSION_COOKIE_NAME].value
    assert_not_stored(response)


def test_a_stricter_header_set_by_a_view_is_kept(client, staff):
    client.force_login(staff)
    response = client.get(reverse("invitation_accept", args=["bad", "link"]))  # never_cache
    assert {"no-store", "no-cache", "must-revalidate", "max-age=0", "private"} <= cache_directives(response)


def test_the_personas_client_checks_every_page_it_fetches(client_for, staff, settings):
    """The permission-ladder tests rely on this: without the middleware, a persona's page fails the test."""
    settings.MIDDLEWARE = [
        name for name in settings.MIDDLEWARE if name != "dpms.middleware.NoStoreMiddleware"
    ]
    with pytest.raises(AssertionError, match="no-store|Cache-Control"):
        client_for(staff).get(reverse("dashboard"))
