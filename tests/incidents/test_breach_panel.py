"""The security officer's dashboard shows the running clocks, nearest deadline first, with countdowns."""

import datetime
import re

import pytest
from django.test import RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from incidents.services.breach import authority_record_not_required, nis2_mark_significant
from incidents.views.breach import clocks_panel
from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory
from tests.incidents.breach_support import make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db
DASHBOARD = reverse("dashboard")


def panel(client, person) -> str:
    """The "Running clocks" panel of ``person``'s dashboard ("" when not shown)."""
    page = dashboard_html(client(person))
    match = re.search(r'<section[^>]*data-testid="running-clocks-panel".*?</section>', page, re.S)
    return match.group(0) if match else ""


def hours_ago(n):
    return timezone.now() - datetime.timedelta(hours=n)


def test_officer_sees_running_clocks_nearest_first_with_countdowns(client_for, security_officer):
    later = make_breach(security_officer, aware=hours_ago(2), title="Lost USB stick")
    sooner = make_breach(security_officer, aware=hours_ago(60), title="Mail sent to the wrong list")
    stopped = make_breach(security_officer, aware=hours_ago(5), title="Stopped clock")
    authority_record_not_required(actor=security_officer, incident=stopped, reason="Encrypted.")
    page = panel(client_for, security_officer)
    assert "Running clocks" in page
    assert page.index(sooner.reference) < page.index(later.reference)
    assert stopped.reference not in page
    assert reverse("incidents:detail", args=[sooner.pk]) in page
    assert "11 h 59 min left" in page or "11 h 58 min left" in page
    assert "<time data-countdown" in page


def test_staff_and_auditors_have_no_clock_panel(client_for, staff, auditor, security_officer):
    make_breach(security_officer, aware=hours_ago(2))
    for person in (staff, auditor):
        assert panel(client_for, person) == ""


def test_confidential_clock_shown_only_to_officers_who_may_see_it(client_for, security_officer):
    handler = UserFactory(roles=["security officer"])
    secret = make_breach(handler, handler=handler, confidential=True, aware=hours_ago(1))
    assert secret.reference not in panel(client_for, security_officer)
    assert secret.reference in panel(client_for, handler)


@override_settings(NIS2_ENABLED=True)
def test_nis2_deadlines_are_running_clocks_too(client_for, security_officer):
    incident = IncidentFactory(noticed_at=hours_ago(20), title="Ransomware on the file server")
    nis2_mark_significant(actor=security_officer, incident=incident)
    page = panel(client_for, security_officer)
    assert incident.reference in page
    assert "NIS2 early warning" in page


@pytest.mark.parametrize("size", [2, 25])
def test_panel_runs_two_queries_whatever_the_number_of_clocks(
    security_officer, size, django_assert_num_queries
):
    for n in range(size):
        make_breach(security_officer, aware=hours_ago(n % 70))
    request = RequestFactory().get(DASHBOARD)
    request.user = security_officer
    security_officer.is_security_officer  # noqa: B018 - the roles are loaded by the dashboard already
    # The count of running clocks and the first ten.
    with django_assert_num_queries(2):
        panel = clocks_panel(request)
    assert panel["count"] == size
    assert len(panel["lines"]) == min(size, 10)


def test_panel_costs_no_query_for_staff(staff, django_assert_num_queries):
    request = RequestFactory().get(DASHBOARD)
    request.user = staff
    staff.is_security_officer  # noqa: B018
    with django_assert_num_queries(0):
        assert clocks_panel(request) is None
