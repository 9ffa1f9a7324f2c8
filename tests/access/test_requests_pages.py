"""Access request pages: ask, my requests, waiting for my approval, detail with approve/reject/withdraw."""

import pytest
from django.urls import reverse

from access.choices import RequestStatus
from access.models import AccessRequest, Grant, Role
from access.services.requests import request_create
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.dashboard_support import dashboard_html
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def role():
    return RoleFactory(system=SystemFactory(name="Payroll"), name="Reader")


@pytest.fixture
def pending(staff, role):
    return request_create(actor=staff, requested_for=staff, role=role, justification="Month-end close")


def detail_url(request):
    return reverse("access:request_detail", args=[request.pk])


@pytest.mark.parametrize("name", ["access:my_requests", "access:request_new", "access:requests_awaiting"])
def test_anonymous_people_are_sent_to_sign_in(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/login" in response.url


def test_request_detail_permission_ladder(client, client_for, personas, pending):
    url = detail_url(pending)
    assert client.get(url).status_code == 302
    assert client_for(personas["outsider"]).get(url).status_code == 404
    assert client_for(personas["admin"]).get(url).status_code == 404  # admins run the portal, not access
    for who in ("staff", "manager", "security_officer", "auditor"):
        assert client_for(personas[who]).get(url).status_code == 200, who


def test_only_an_approver_sees_the_decision_buttons(client_for, staff, manager, auditor, pending):
    assert b"Approve" in client_for(manager).get(detail_url(pending)).content
    assert b"Approve</button>" not in client_for(auditor).get(detail_url(pending)).content
    assert b"Withdraw my request" in client_for(staff).get(detail_url(pending)).content


def test_the_auditor_reads_but_cannot_approve(client_for, auditor, pending):
    response = client_for(auditor).post(reverse("access:request_approve", args=[pending.pk]))
    assert response.status_code == 403
    assert not Grant.objects.exists()


def test_an_outsider_cannot_act_on_a_request(client_for, outsider, pending):
    for action in ("request_approve", "request_reject", "request_withdraw"):
        assert client_for(outsider).post(reverse(f"access:{action}", args=[pending.pk])).status_code == 404


def test_approve_from_the_page_creates_the_grant(client_for, manager, staff, pending, role):
    response = client_for(manager).post(reverse("access:request_approve", args=[pending.pk]))
    assert response.status_code == 302
    assert Grant.objects.filter(user=staff, role=role).count() == 1


def test_actions_are_post_only(client_for, manager, pending):
    assert client_for(manager).get(reverse("access:request_approve", args=[pending.pk])).status_code == 405


def test_reject_without_a_reason_shows_an_error_and_changes_nothing(client_for, manager, pending):
    response = client_for(manager).post(reverse("access:request_reject", args=[pending.pk]), {"reason": ""})
    assert response.status_code == 400
    assert b"This field is required" in response.content
    assert AccessRequest.objects.get().status == RequestStatus.PENDING
    client_for(manager).post(reverse("access:request_reject", args=[pending.pk]), {"reason": "Not needed"})
    assert AccessRequest.objects.get().status == RequestStatus.REJECTED


def test_over_the_privileged_maximum_the_page_warns_and_needs_the_checkbox(client_for, staff, manager):
    admin = RoleFactory(system=SystemFactory(max_privileged=0), privileged=True)
    admin.system.owner = UserFactory()
    admin.system.save()
    request = request_create(actor=staff, requested_for=staff, role=admin, justification="On call")
    page = client_for(manager).get(detail_url(request))
    assert b'data-testid="over-limit-warning"' in page.content
    url = reverse("access:request_approve", args=[request.pk])
    refused = client_for(manager).post(url)
    assert refused.status_code == 400
    assert b"confirm to approve anyway" in refused.content
    assert AccessRequest.objects.get().manager_approved_at is None
    assert client_for(manager).post(url, {"confirm_over_limit": "on"}).status_code == 302
    assert AccessRequest.objects.get().manager_approved_by == manager


def test_withdraw_by_the_requester(client_for, staff, pending):
    response = client_for(staff).post(reverse("access:request_withdraw", args=[pending.pk]))
    assert response.status_code == 302
    assert AccessRequest.objects.get().status == RequestStatus.WITHDRAWN


def test_ask_for_a_role_from_the_form(client_for, staff, role):
    response = client_for(staff).post(
        reverse("access:request_new"),
        {"requested_for": staff.pk, "role": role.pk, "justification": "Month-end close", "end_date": ""},
    )
    created = AccessRequest.objects.get()
    assert response.status_code == 302
    assert response.url == detail_url(created)
    assert created.requested_by == staff
    assert created.role == role


def test_the_form_refuses_a_role_already_held_with_a_clear_message(client_for, staff, role):
    GrantFactory(user=staff, role=role)
    response = client_for(staff).post(
        reverse("access:request_new"), {"requested_for": staff.pk, "role": role.pk, "justification": "Again"}
    )
    assert response.status_code == 200
    assert "already holds Payroll · Reader" in response.content.decode()
    assert not AccessRequest.objects.exists()


def test_a_manager_may_ask_for_a_report_but_nobody_for_a_stranger(client_for, manager, staff, outsider, role):
    form = client_for(manager).get(reverse("access:request_new")).context["form"]
    assert set(form.fields["requested_for"].queryset) == {manager, staff}
    data = {"requested_for": outsider.pk, "role": role.pk, "justification": "Please"}
    response = client_for(manager).post(reverse("access:request_new"), data)
    assert response.status_code == 200
    assert "requested_for" in response.context["form"].errors
    assert not AccessRequest.objects.exists()


def test_waiting_for_my_approval_lists_only_what_i_may_approve(client_for, staff, manager, outsider, pending):
    assert list(client_for(manager).get(reverse("access:requests_awaiting")).context["page"]) == [pending]
    assert list(client_for(staff).get(reverse("access:requests_awaiting")).context["page"]) == []
    assert list(client_for(outsider).get(reverse("access:requests_awaiting")).context["page"]) == []


def test_my_requests_filters_by_status(client_for, staff, pending, role):
    other = request_create(
        actor=staff, requested_for=staff, role=RoleFactory(system=role.system), justification="More"
    )
    other.status = RequestStatus.WITHDRAWN
    other.save()
    page = client_for(staff).get(reverse("access:my_requests"), {"status": "pending"}).context["page"]
    assert list(page) == [pending]


def test_the_dashboard_shows_requests_waiting_for_my_approval(client_for, manager, staff, pending):
    assert "Access requests waiting for your approval" in dashboard_html(client_for(manager))
    assert "waiting for your approval" not in dashboard_html(client_for(staff))


def _many_requests(staff, count):
    system = SystemFactory()
    roles = Role.objects.bulk_create(Role(system=system, name=f"Role {n}") for n in range(count))
    AccessRequest.objects.bulk_create(
        AccessRequest(requested_by=staff, requested_for=staff, role=r, justification="Needed") for r in roles
    )


@pytest.mark.parametrize("count", [10, 200])
def test_my_requests_query_count_is_fixed(client_for, staff, django_assert_num_queries, count):
    _many_requests(staff, count)
    client = client_for(staff)
    client.get(reverse("access:my_requests"))
    # Session and user (2), allauth session tracking (5), count and page of requests (2), the filter's
    # systems (1), the header's unread count (1), the user's groups for the menu (1), saving the session (3).
    with django_assert_num_queries(15):
        assert client.get(reverse("access:my_requests")).status_code == 200


@pytest.mark.parametrize("count", [10, 200])
def test_awaiting_approval_query_count_is_fixed(client_for, staff, manager, django_assert_num_queries, count):
    _many_requests(staff, count)
    client = client_for(manager)
    client.get(reverse("access:requests_awaiting"))
    # Session and user (2), allauth session tracking (5), the user's groups (1), the candidate requests
    # (1), the security officers (1), the filter's systems (1), the header's unread count (1), saving the
    # session (3).
    with django_assert_num_queries(15):
        response = client.get(reverse("access:requests_awaiting"))
    assert response.context["page"].paginator.count == count
