"""The officers' dashboard: joiners, movers and leavers of the last 30 days, the leavers' open revocation
tasks, and the finding "leaver access still open" until the last task is done; 3 queries whatever the
numbers."""

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import RevocationTask
from access.services.revocations import revocation_task_done
from access.views.leavers import movements_panel
from dpms import services as people
from tests.access.factories import RevocationTaskFactory
from tests.access.leavers_support import leaver_with_grants
from tests.dashboard_support import dashboard_html
from tests.dpms.api_support import api_client, token_for
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("dashboard")


def panel_html(client) -> str:
    page = dashboard_html(client)
    start = page.find('data-testid="movements-panel"')
    return "" if start < 0 else page[start : page.find("</section>", start)]


def test_officers_see_who_joined_moved_and_left_and_the_open_leaver_tasks(
    client_for, security_officer, admin_user, staff
):
    leaver_with_grants(staff)
    for n in range(2):
        people.user_invite(actor=admin_user, email=f"new{n}@example.com", full_name=f"New {n}")
    people.user_update(actor=admin_user, user=UserFactory(full_name="Mo Mover"), team=TeamFactory())
    people.user_deactivate(actor=admin_user, user=staff)

    panel = panel_html(client_for(security_officer))
    assert "<strong>2</strong> joined, <strong>1</strong> moved, <strong>1</strong> left" in panel
    assert "Mo Mover moved" in panel
    assert "Sam Staff left" in panel
    assert "· Command line</span>" in panel  # where each came from (these tests call the services)
    assert "<strong>12</strong> leaver revocation tasks open for 1 leaver" in panel


def test_the_leaver_finding_shows_until_the_last_task_is_done(
    client_for, security_officer, admin_user, staff
):
    leaver_with_grants(staff)
    people.user_deactivate(actor=admin_user, user=staff)
    client = client_for(security_officer)
    page = dashboard_html(client)
    assert "Sam Staff: Leaver access still open" in page
    assert f"{reverse('access:revocation_list')}?q=sam.staff%40example.com&amp;status=open" in page

    for task in RevocationTask.objects.filter(grant__user=staff):
        revocation_task_done(task=task, actor=security_officer, note="Removed.", now=timezone.now())
    page = dashboard_html(client)
    assert "Leaver access still open" not in page
    assert "No leaver's access is waiting to be removed." in page


@pytest.mark.parametrize("persona", ["staff", "manager", "auditor", "admin"])
def test_only_security_officers_have_the_panel(client_for, personas, persona):
    assert panel_html(client_for(personas[persona])) == ""


@pytest.mark.parametrize("leavers", [1, 6])
def test_the_panel_runs_three_queries_whatever_the_numbers(
    rf, security_officer, admin_user, leavers, django_assert_num_queries
):
    for n in range(leavers):
        person = UserFactory()
        if n == 0:  # one leaver with 12 grants; the others had none
            leaver_with_grants(person)
        people.user_invite(actor=admin_user, email=f"j{n}@example.com", full_name=f"J {n}")
        people.user_deactivate(actor=admin_user, user=person)
    request = rf.get(DASHBOARD)
    request.user = security_officer
    security_officer.is_security_officer  # noqa: B018 - the roles are loaded by the dashboard already
    # The movements counted (1), the latest movements (1), the open leaver tasks counted (1).
    with django_assert_num_queries(3):
        panel = movements_panel(request)
    assert panel["counts"] == {"joined": leavers, "moved": 0, "left": leavers}
    assert panel["tasks"]["open"] == 12


def test_the_panels_link_lists_the_leavers_tasks_only(client_for, security_officer, admin_user, staff):
    leaver_with_grants(staff)
    other = RevocationTaskFactory(reason="From a review")
    people.user_deactivate(actor=admin_user, user=staff)
    client = client_for(security_officer)
    link = f"{reverse('access:revocation_list')}?status=open&leaver=on"
    assert link.replace("&", "&amp;") in panel_html(client)
    page = client.get(link)
    assert page.context["page"].paginator.count == 12
    assert other not in page.context["page"].object_list
    text = token_for(security_officer)[1]
    listed = api_client(text).get(reverse("api:access-revocation-task-list"), {"leaver": "true"}).json()
    assert len(listed["results"]) == 12
    assert all(row["leaver"] for row in listed["results"])
