"""The dashboard: everyone signed in lands on it, with their own notifications and their role's sections."""

import pytest
from django.urls import reverse

from tests.dashboard_support import panel_query_counts
from tests.factories import NotificationFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["staff", "manager", "security_officer", "auditor", "admin", "outsider"]


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_sees_their_own_notifications_only(client_for, personas, persona):
    for name, person in personas.items():
        NotificationFactory(recipient=person, subject=f"For {name} only")
    response = client_for(personas[persona]).get(reverse("dashboard"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f"For {persona} only" in page
    assert [name for name in personas if f"For {name} only" in page] == [persona]


@pytest.mark.parametrize(
    ("persona", "sees_audit_trail", "sees_administration", "sees_health"),
    [
        ("staff", False, False, False),
        ("manager", False, False, False),
        ("outsider", False, False, False),
        ("security_officer", True, False, True),
        ("auditor", True, False, False),
        ("admin", True, True, True),
    ],
)
def test_sections_follow_the_persona_role(
    client_for, personas, persona, sees_audit_trail, sees_administration, sees_health
):
    page = client_for(personas[persona]).get(reverse("dashboard")).content.decode()
    assert ('id="audit-h"' in page) is sees_audit_trail
    assert ('id="admin-h"' in page) is sees_administration
    # The system health card loads its report with htmx, so a slow broker never holds up the dashboard.
    assert ('data-testid="health-card"' in page) is sees_health
    assert (f'hx-get="{reverse("system_health")}?panel=1"' in page) is sees_health


def test_unread_count_shows_in_the_header_and_on_the_dashboard(client_for, staff):
    NotificationFactory.create_batch(2, recipient=staff)
    NotificationFactory(recipient=staff, read_at="2026-11-01T09:00Z")
    page = client_for(staff).get(reverse("dashboard")).content.decode()
    assert '<span class="badge" data-testid="unread-count">2</span>' in page
    assert "2 unread" in page


@pytest.mark.parametrize("count", [3, 60])
def test_dashboard_query_count_does_not_grow_with_notifications(
    client_for, staff, count, django_assert_num_queries
):
    NotificationFactory.create_batch(count, recipient=staff)
    client = client_for(staff)
    client.get(reverse("dashboard"))  # a session's first request also records it (allauth usersessions)
    # 13 queries: session and user (2); allauth's user-session tracking: savepoint, select session, select
    # its user, update last seen, release (5); the 10 latest notifications (1); the header's unread count (1);
    # the user's groups for the role sections and the panels' ``visible`` (1); saving the sliding session:
    # savepoint, update, release (3). Each panel loads itself, by a request of its own.
    with django_assert_num_queries(13):
        response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert len(response.context["notifications"]) == min(count, 10)


def test_staff_panels_each_cost_a_fixed_number_of_queries(client_for, staff):
    # Each: 7 for any panel request (session and user (2), user-session tracking (5); a panel does not save
    # the session again: dpms.middleware.without_session_renewal),
    # the viewer's groups (1) where the panel reads a role, and the panel's own query (all empty for staff
    # with nothing of their own: the answer is empty and the placeholder goes). The officers' panels have
    # no placeholder.
    assert panel_query_counts(client_for(staff)) == {
        "access-review-queue": 7 + 1 + 1,  # the review queue's counts
        "access-reports": 7 + 1,  # the manager's panel of their reports' access
        "policies-to-acknowledge": 7 + 1,  # the policies to acknowledge
        "incidents-mine": 7 + 1,  # the incidents you reported
        "access-approvals": 7 + 1 + 1,  # the access requests awaiting approval
        "risk-my-overdue-actions": 7 + 1 + 1,  # your overdue risk actions
        "risk-reviews": 7 + 1 + 1,  # your due and overdue risk reviews
        "vulnerabilities-mine": 7 + 1,  # your vulnerabilities: the aggregate of the open ones you own
    }
