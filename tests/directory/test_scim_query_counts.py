"""GET /Users and GET /Groups run the same queries whatever the directory's size (10 or 1,000 people)."""

import pytest
from django.contrib.auth.hashers import make_password

from directory.models import DirectoryGroup, DirectoryMembership, DirectoryUser
from dpms.models import Team, User
from tests.directory.conftest import ENTERPRISE


def _directory(connection, size: int) -> None:
    """``size`` people from the directory, all but the first reporting to the first, in two groups."""
    password = make_password(None)
    users = User.objects.bulk_create(
        [User(email=f"p{n}@acme-corp.com", full_name=f"Person {n}", password=password) for n in range(size)]
    )
    User.objects.filter(pk__in=[user.pk for user in users[1:]]).update(manager=users[0])
    people = DirectoryUser.objects.bulk_create(
        [
            DirectoryUser(
                connection=connection,
                user=user,
                user_name=user.email,
                user_name_key=user.email,
                attributes={
                    "emails": [{"value": user.email, "primary": True}],
                    ENTERPRISE: {"department": "Ops"},
                },
            )
            for user in users
        ]
    )
    for name in ("Ops", "Everyone"):
        group = DirectoryGroup.objects.create(
            connection=connection,
            display_name=name,
            display_name_key=name.lower(),
            team=Team.objects.create(name=name),
        )
        DirectoryMembership.objects.bulk_create([DirectoryMembership(group=group, person=p) for p in people])


# The token's connection; then the count, the page of people with their accounts and their managers' directory
# entries, their memberships with the groups; then the request log: its line, the connection's last sync, the
# old reads' clean-up; and the request's savepoint and its release.
USERS_QUERIES = 9
# The same for groups: the count, the page of groups, their memberships with the people.
GROUPS_QUERIES = 9


@pytest.mark.parametrize("size", [10, 1000])
def test_listing_users_runs_the_same_queries_at_any_size(scim, connection, size, django_assert_num_queries):
    _directory(connection, size)

    with django_assert_num_queries(USERS_QUERIES):
        response = scim("GET", "Users?count=1000")

    body = response.json()
    assert body["totalResults"] == size
    assert len(body["Resources"]) == size
    last = body["Resources"][-1]
    assert last["groups"][0]["display"] == "Ops"
    assert last[ENTERPRISE]["manager"]["value"] == body["Resources"][0]["id"]


@pytest.mark.parametrize("size", [10, 1000])
def test_listing_groups_runs_the_same_queries_at_any_size(scim, connection, size, django_assert_num_queries):
    _directory(connection, size)

    with django_assert_num_queries(GROUPS_QUERIES):
        response = scim("GET", "Groups")

    body = response.json()
    assert [len(group["members"]) for group in body["Resources"]] == [size, size]


def test_listing_groups_without_members_reads_no_members(scim, connection, django_assert_num_queries):
    _directory(connection, 50)

    with django_assert_num_queries(GROUPS_QUERIES - 1):
        response = scim("GET", "Groups?excludedAttributes=members")

    assert all("members" not in group for group in response.json()["Resources"])
