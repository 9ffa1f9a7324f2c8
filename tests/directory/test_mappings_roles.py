"""Groups give portal roles where an admin maps them: security officer and auditor at once, admin only after
a second admin approves each person; leaving the group takes away only what the group gave."""

import pytest
from django.urls import reverse

from directory.choices import ApprovalState
from directory.models import AdminApproval, DirectoryGroup, DirectoryUser
from dpms.models import AuditEvent, User
from tests.directory.conftest import GROUP, PATCH
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _roles(email):
    return set(User.objects.get(email=email).groups.values_list("name", flat=True))


def _group_with(scim, name, *users):
    return scim(
        "POST",
        "Groups",
        {"schemas": [GROUP], "displayName": name, "members": [{"value": u["id"]} for u in users]},
    ).json()


def _map(client, group_id, role):
    group = DirectoryGroup.objects.get(scim_id=group_id)
    return client.post(reverse("directory:group_role", args=[group.pk]), {f"g{group.pk}-role": role})


def _members(op, user):
    return {
        "schemas": [PATCH],
        "Operations": [{"op": op, "path": "members", "value": [{"value": user["id"]}]}],
    }


def test_a_group_mapped_to_auditor_gives_and_takes_the_role(scim, client_for, admin_user):
    audrey = scim.create_user("audrey@acme-corp.com")
    group = _group_with(scim, "DPMS Auditors", audrey)
    assert _roles("audrey@acme-corp.com") == set()

    _map(client_for(admin_user), group["id"], "auditor")

    assert _roles("audrey@acme-corp.com") == {"auditor"}
    scim("PATCH", f"Groups/{group['id']}", _members("remove", audrey))
    assert _roles("audrey@acme-corp.com") == set()
    scim("PATCH", f"Groups/{group['id']}", _members("add", audrey))
    assert _roles("audrey@acme-corp.com") == {"auditor"}
    roles = AuditEvent.objects.filter(action="people.user.roles", source="scim")
    assert (
        roles.count() == 2
    )  # the removal and the new addition through SCIM (the mapping was the admin's page)


def test_leaving_a_group_keeps_a_role_given_by_hand(scim, client_for, admin_user):
    UserFactory(email="olga@acme-corp.com", roles=["security officer"])
    olga = scim.create_user("olga@acme-corp.com")  # the directory takes over her existing account
    group = _group_with(scim, "Security", olga)
    _map(client_for(admin_user), group["id"], "security officer")

    scim("DELETE", f"Groups/{group['id']}")

    assert _roles("olga@acme-corp.com") == {"security officer"}


def test_the_admin_role_waits_for_a_second_admin(scim, client_for, admin_user):
    second_admin = UserFactory(email="sara.second@example.com", roles=["admin"])
    nina = scim.create_user("nina@acme-corp.com")
    group = _group_with(scim, "DPMS Admins", nina)
    _map(client_for(admin_user), group["id"], "admin")

    approval = AdminApproval.objects.get()
    assert approval.state == ApprovalState.PENDING
    assert _roles("nina@acme-corp.com") == set()
    decide = reverse("directory:approval_decide", args=[approval.pk])
    assert client_for(admin_user).post(decide, {"decision": "approve"}).status_code == 403  # the mapper
    assert _roles("nina@acme-corp.com") == set()

    page = client_for(second_admin)
    assert "Approve" in page.get(reverse("directory:approvals")).content.decode()
    page.post(decide, {"decision": "approve"})

    assert _roles("nina@acme-corp.com") == {"admin"}
    assert AuditEvent.objects.filter(action="directory.admin_approval.approve", actor=second_admin).exists()
    scim("PATCH", f"Groups/{group['id']}", _members("remove", nina))
    assert _roles("nina@acme-corp.com") == set()
    approval.refresh_from_db()
    assert approval.state == ApprovalState.WITHDRAWN


def test_a_refused_admin_is_not_asked_again_until_they_rejoin(scim, client_for, admin_user):
    second_admin = UserFactory(email="sara.second@example.com", roles=["admin"])
    nina = scim.create_user("nina@acme-corp.com")
    other = scim.create_user("other@acme-corp.com")
    group = _group_with(scim, "DPMS Admins", nina)
    _map(client_for(admin_user), group["id"], "admin")
    approval = AdminApproval.objects.get()
    client_for(second_admin).post(
        reverse("directory:approval_decide", args=[approval.pk]), {"decision": "refuse"}
    )

    scim("PATCH", f"Groups/{group['id']}", _members("add", other))

    assert _roles("nina@acme-corp.com") == set()
    assert AdminApproval.objects.filter(person__user__email="nina@acme-corp.com").count() == 1
    assert (
        AdminApproval.objects.filter(person__user__email="other@acme-corp.com", state="pending").count() == 1
    )


def test_nobody_approves_their_own_admin_role(scim, client_for, admin_user):
    UserFactory(email="nina@acme-corp.com", roles=["admin"])  # already an admin by hand
    nina = scim.create_user("nina@acme-corp.com")
    _map(client_for(admin_user), _group_with(scim, "DPMS Admins", nina)["id"], "admin")
    approval = AdminApproval.objects.get()

    response = client_for(User.objects.get(email="nina@acme-corp.com")).post(
        reverse("directory:approval_decide", args=[approval.pk]), {"decision": "approve"}
    )

    assert response.status_code == 403
    approval.refresh_from_db()
    assert approval.state == ApprovalState.PENDING


def _approvals(connection, admin_user, count):
    group = DirectoryGroup.objects.create(
        connection=connection,
        display_name="Admins",
        display_name_key="admins",
        role="admin",
        role_set_by=admin_user,
    )
    for number in range(count):
        person = DirectoryUser.objects.create(
            connection=connection,
            user=UserFactory(email=f"a{number}@acme-corp.com"),
            user_name=f"a{number}@acme-corp.com",
            user_name_key=f"a{number}@acme-corp.com",
        )
        AdminApproval.objects.create(group=group, person=person)


@pytest.mark.parametrize("count", [1, 40])
def test_the_approvals_page_runs_the_same_queries_at_any_size(
    client_for, admin_user, connection, count, django_assert_num_queries
):
    _approvals(connection, admin_user, count)
    page = client_for(UserFactory(email="second.admin@example.com", roles=["admin"]))
    url = reverse("directory:approvals")
    page.get(url)

    # The frame of every signed-in page (12) and the approvals with their groups, connections, mappers,
    # people and deciders (1).
    with django_assert_num_queries(13):
        response = page.get(url)

    assert response.content.decode().count('value="approve"') == count
