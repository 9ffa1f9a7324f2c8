"""The header's search: people, systems, roles, risks and incidents, each through its app's read rules (a
person never finds what they could not open), one query per kind, at most five hits a kind with a link to
the list filtered, and a polite refusal of terms too short to mean anything."""

from html import unescape

import pytest
from django.urls import reverse

from risk.queries.register import EDIT_PERMISSION
from tests.access.factories import GrantFactory, RoleFactory, SystemFactory
from tests.factories import UserFactory
from tests.incidents.factories import IncidentFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db

SEARCH = reverse("search")


def found(client, term: str) -> dict[str, list[str]]:
    """The titles found for ``term``, by kind."""
    response = client.get(SEARCH, {"q": term})
    assert response.status_code == 200
    return {kind["label"]: [hit["title"] for hit in kind["hits"]] for kind in response.context["results"]}


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get(SEARCH, {"q": "zebra"})
    assert response.status_code == 302
    assert response.url.startswith(reverse("account_login"))


def test_a_short_term_is_refused_politely_without_searching(client_for, staff, django_assert_max_num_queries):
    client = client_for(staff)
    client.get(SEARCH)
    with django_assert_max_num_queries(12):  # the page's own (session, header): no search of any kind
        response = client.get(SEARCH, {"q": " ab "})
    assert response.status_code == 400
    assert "Type at least 3 characters" in response.content.decode()
    assert response.context["results"] == []
    assert client.get(SEARCH).status_code == 200  # no term: just the box


def test_people_are_found_only_where_their_access_page_opens(
    client_for, staff, second_report, manager, security_officer, outsider
):
    owner = UserFactory(full_name="Otto Zebra-Owner")
    holder = UserFactory(full_name="Hanna Zebra-Holder")
    GrantFactory(user=holder, role=RoleFactory(system=SystemFactory(owner=owner)))
    stranger = UserFactory(full_name="Stan Zebra-Stranger")
    for person in (staff, second_report, manager):
        person.full_name = f"{person.full_name} Zebra"
        person.save()
    everyone = {owner.full_name, holder.full_name, stranger.full_name}
    assert set(found(client_for(security_officer), "zebra-")["People"]) == everyone
    assert set(found(client_for(manager), "zebra")["People"]) == {
        manager.full_name,
        staff.full_name,
        second_report.full_name,
    }
    assert found(client_for(staff), "zebra")["People"] == [staff.full_name]
    assert found(client_for(owner), "zebra")["People"] == [holder.full_name, owner.full_name]
    assert "People" not in found(client_for(outsider), "zebra")


def test_systems_and_roles_are_the_catalogue_everyone_reads(client_for, outsider):
    system = SystemFactory(name="Zebra payroll")
    RoleFactory(system=system, name="Zebra admin", privileged=True)
    results = found(client_for(outsider), "zebra")
    assert results["Systems"] == ["Zebra payroll"]
    assert results["Roles"] == ["Zebra admin on Zebra payroll"]


def test_risks_are_found_by_reference_or_title_where_they_may_be_read(
    client_for, staff, manager, security_officer
):
    mine = RiskFactory(owner=staff, reference="R-901", title="Zebra crossing unlit")
    others = RiskFactory(owner=manager, reference="R-902", title="Zebra stampede")
    shared = RiskFactory(owner=manager, reference="R-903", title="Quagga outbreak")
    from guardian.shortcuts import assign_perm

    assign_perm(EDIT_PERMISSION, staff, shared)
    assert found(client_for(staff), "zebra")["Risks"] == [f"R-901 {mine.title}"]
    assert found(client_for(staff), "R-903")["Risks"] == [f"R-903 {shared.title}"]
    assert found(client_for(security_officer), "zebra")["Risks"] == [
        f"R-901 {mine.title}",
        f"R-902 {others.title}",
    ]


def test_incidents_are_found_where_the_queue_shows_them(client_for, staff, second_report, security_officer):
    own = IncidentFactory(reported_by=staff, title="Zebra phishing mail")
    IncidentFactory(reported_by=second_report, title="Zebra laptop lost")
    secret = IncidentFactory(reported_by=second_report, title="Zebra payroll leak", confidential=True)
    assert found(client_for(staff), "zebra")["Incidents"] == [f"{own.reference} {own.title}"]
    assert found(client_for(staff), own.reference)["Incidents"] == [f"{own.reference} {own.title}"]
    officer_sees = found(client_for(security_officer), "zebra")["Incidents"]
    assert len(officer_sees) == 2
    assert f"{secret.reference} {secret.title}" not in officer_sees  # confidential, not theirs to handle


def test_five_hits_a_kind_and_a_link_to_the_list_that_shows_them_all(client_for, staff):
    for n in range(7):
        SystemFactory(name=f"Zebra system {n}")
    client = client_for(staff)
    response = client.get(SEARCH, {"q": "zebra"})
    (systems,) = response.context["results"]
    assert len(systems["hits"]) == 5
    assert systems["more"] is True
    page = response.content.decode()
    assert "Show all in the systems list" in page
    listed = client.get(unescape(systems["list_url"]))
    assert listed.context["page"].paginator.count == 7


@pytest.mark.parametrize("size", [3, 60])
def test_one_query_per_kind_whatever_the_data_size(
    client_for, security_officer, staff, size, django_assert_num_queries
):
    for n in range(size):
        holder = UserFactory(full_name=f"Zebra person {n}")
        GrantFactory(
            user=holder, role=RoleFactory(name=f"Zebra role {n}", system=SystemFactory(name=f"Zebra {n}"))
        )
        RiskFactory(owner=holder, title=f"Zebra risk {n}")
        IncidentFactory(reported_by=holder, title=f"Zebra incident {n}")
    client = client_for(security_officer)
    client.get(SEARCH, {"q": "zebra"})  # a session's first request also records it (allauth usersessions)
    # 18 queries: session and user (2); allauth's user-session tracking (5); the viewer's groups (1); one per
    # kind: people, systems, roles, risks, incidents, policies (6); the header's unread count (1); saving the
    # sliding session: savepoint, update, release (3).
    with django_assert_num_queries(18):
        response = client.get(SEARCH, {"q": "zebra"})
    assert [kind["label"] for kind in response.context["results"]] == [
        "People",
        "Systems",
        "Roles",
        "Risks",
        "Incidents",
    ]
    assert all(len(kind["hits"]) == min(size, 5) for kind in response.context["results"])
