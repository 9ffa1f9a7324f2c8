"""The grants and systems lists: filters, sorting, CSV export, and a query count that does not grow."""

import csv
import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import Grant, Role, System
from tests.access.factories import GrantFactory, SystemFactory
from tests.access.register_support import register_fixture  # noqa: F401 - the ``register`` fixture
from tests.factories import TeamFactory, UserFactory

pytestmark = pytest.mark.django_db

GRANTS = reverse("access:grants")
CSV_URL = reverse("access:grants_csv")


def listed(client, url=GRANTS, **params):
    return [grant.pk for grant in client.get(url, params).context["page"].object_list]


def csv_rows(client, **params):
    response = client.get(CSV_URL, params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    return list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))


@pytest.fixture
def officer(client_for, security_officer):
    return client_for(security_officer)


def test_grants_filter_by_system_role_and_privileged(officer, register):
    r = register
    assert set(listed(officer, system=r.crm.pk)) == {r.staff_crm.pk, r.report_crm_admin.pk}
    assert listed(officer, system=r.crm.pk, role=r.crm_admin.pk) == [r.report_crm_admin.pk]
    assert listed(officer, privileged="yes") == [r.report_crm_admin.pk]
    assert r.report_crm_admin.pk not in listed(officer, privileged="no")


def test_grants_filter_by_environment_person_and_team(officer, outsider, register):
    r = register
    assert set(listed(officer, environment="staging")) == {r.outsider_erp.pk, r.manager_erp.pk}
    assert listed(officer, person="otto") == [r.outsider_erp.pk]
    assert listed(officer, team=outsider.team_id) == [r.outsider_erp.pk]


def test_grants_filter_expiring_within_30_days(officer, register):
    now = timezone.now()
    soon = GrantFactory(role=register.crm_user, expires_at=now + datetime.timedelta(days=20))
    GrantFactory(role=register.crm_user, expires_at=now + datetime.timedelta(days=45))
    assert listed(officer, expiring="on") == [soon.pk]


def test_grants_list_shows_active_by_default_and_revoked_on_request(officer, register):
    Grant.objects.filter(pk=register.staff_crm.pk).update(revoked_at=timezone.now(), revoke_reason="Left.")
    assert register.staff_crm.pk not in listed(officer)
    assert listed(officer, status="revoked") == [register.staff_crm.pk]
    assert len(listed(officer, status="all")) == 4


def test_grants_sort_by_system_then_newest(officer, register):
    systems = [Grant.objects.get(pk=pk).role.system.name for pk in listed(officer, sort="system")]
    assert systems == sorted(systems)
    newest = listed(officer, sort="-granted")
    dates = [Grant.objects.get(pk=pk).granted_at for pk in newest]
    assert dates == sorted(dates, reverse=True)


def test_a_bad_filter_shows_an_error_and_no_rows(officer, register):
    response = officer.get(GRANTS, {"system": "999999"})
    assert response.status_code == 200
    assert "system" in response.context["form"].errors
    assert list(response.context["page"].object_list) == []
    assert officer.get(CSV_URL, {"system": "999999"}).status_code == 400


def test_csv_export_uses_the_same_filters(officer, register):
    rows = csv_rows(officer, system=register.crm.pk, privileged="yes")
    assert [(row["person_email"], row["system"], row["role"], row["privileged"]) for row in rows] == [
        ("rita.report@example.com", "CRM", "CRM admin", "yes")
    ]


def test_csv_export_shows_only_what_the_viewer_may_see(client_for, staff, register):
    rows = csv_rows(client_for(staff))
    assert [row["person_email"] for row in rows] == [staff.email]


def test_csv_export_neutralises_formulas(officer, register):
    Grant.objects.filter(pk=register.staff_crm.pk).update(justification='=HYPERLINK("http://evil")')
    row = next(r for r in csv_rows(officer) if r["person_email"] == "sam.staff@example.com")
    assert row["justification"] == '\'=HYPERLINK("http://evil")'


def test_systems_filter_by_environment_classification_owner_and_search(officer, register):
    url = reverse("access:systems")
    SystemFactory(name="Wiki", environment="development", data_classification="public")

    def names(**params):
        return [system.name for system in officer.get(url, params).context["page"].object_list]

    assert names(environment="staging") == ["ERP"]
    assert names(classification="public") == ["Wiki"]
    assert names(owner=register.owner.pk) == ["CRM"]
    assert names(q="wik") == ["Wiki"]
    assert names(sort="-holders")[0] in {"CRM", "ERP"}
    assert names(sort="-name") == ["Wiki", "ERP", "CRM"]


def test_systems_list_counts_roles_holders_and_privileged_holders(officer, register):
    GrantFactory(user=register.staff_crm.user, role=register.crm_admin)  # same person, second role
    crm = next(
        s for s in officer.get(reverse("access:systems")).context["page"].object_list if s.name == "CRM"
    )
    assert (crm.role_count, crm.holder_count, crm.privileged_count) == (2, 2, 2)


def make_grants(count):
    """``count`` active grants on one system, spread over people, teams and roles (bulk, to stay fast)."""
    system = SystemFactory(name="Big", owner=UserFactory())
    roles = Role.objects.bulk_create(
        [Role(system=system, name=f"Role {n}", privileged=n == 0) for n in range(5)]
    )
    team = TeamFactory(name="Ops")
    people = [
        UserFactory.build(email=f"p{n}@example.com", full_name=f"P {n}", team=team) for n in range(count)
    ]
    people = type(people[0]).objects.bulk_create(people)
    Grant.objects.bulk_create(
        [
            Grant(user=person, role=roles[n % 5], justification="Work.", granted_by=system.owner)
            for n, person in enumerate(people)
        ]
    )
    return System.objects.get(pk=system.pk)


@pytest.mark.parametrize("count", [10, 1000])
def test_grants_list_query_count_does_not_grow(officer, count, django_assert_num_queries):
    make_grants(count)
    officer.get(GRANTS)  # a session's first request also records it (allauth usersessions)
    # 16 queries: session and user (2); allauth's user-session tracking: savepoint, select session, select
    # its user, update last seen, release (5); the viewer's groups (1); the header's unread count (1); the
    # filter form's teams (1; systems are typed, and roles offered once a system is chosen); the page's count,
    # its grant ids in order and those grants with their people and systems (3); saving the sliding session:
    # savepoint, update, release (3). Nothing per row.
    with django_assert_num_queries(16):
        response = officer.get(GRANTS, {"sort": "system"})
    assert response.status_code == 200


@pytest.mark.parametrize("count", [10, 1000])
def test_system_detail_query_count_does_not_grow(officer, count, django_assert_num_queries):
    system = make_grants(count)
    url = reverse("access:system", args=[system.pk])
    officer.get(url)
    # 21 queries: session, user and user-session tracking (7); the system with its owner (1); the viewer's
    # groups (1); the header's unread count (1); open findings (1); roles with holder counts (1); the
    # holders' count and page (2); the grant form's roles (1); saving the sliding session (3); the sections
    # of the "system-detail" slot (vulnerabilities: its open ones' counts and first rows, its components: 3).
    with django_assert_num_queries(21):
        response = officer.get(url)
    assert response.status_code == 200
    assert response.context["holders"].paginator.count == count


def _rows(response):
    return [grant.pk for grant in response.context["page"].object_list]


def test_the_system_filter_takes_a_name_or_an_id_and_says_when_a_name_is_ambiguous(officer):
    payroll, paytime = SystemFactory(name="Payroll"), SystemFactory(name="Paytime")
    on_payroll = GrantFactory(role__system=payroll)
    GrantFactory(role__system=paytime)
    by_name = officer.get(GRANTS, {"system": "payroll"})
    assert _rows(by_name) == [on_payroll.pk]
    assert _rows(officer.get(GRANTS, {"system": "yroll"})) == [on_payroll.pk]  # only one system has it
    by_id = officer.get(GRANTS, {"system": payroll.pk})  # the system page's link
    assert _rows(by_id) == [on_payroll.pk]
    assert 'value="Payroll"' in by_id.content.decode()  # the box shows the name, not the id
    ambiguous = officer.get(GRANTS, {"system": "pay"})
    assert ambiguous.status_code == 200
    assert "2 match this; type more of the name." in ambiguous.content.decode()
    assert "Nothing matches this" in officer.get(GRANTS, {"system": "nowhere"}).content.decode()


def test_roles_are_offered_for_the_chosen_system_only(officer):
    payroll, crm = SystemFactory(name="Payroll"), SystemFactory(name="CRM")
    payroll_admin = Role.objects.create(system=payroll, name="Payroll admin")
    Role.objects.create(system=crm, name="CRM editor")
    unfiltered = officer.get(GRANTS).context["form"].fields["role"]
    assert list(unfiltered.queryset) == []  # no system chosen: no list of every role
    chosen = officer.get(GRANTS, {"system": "Payroll"}).context["form"].fields["role"]
    assert list(chosen.queryset) == [payroll_admin]
    granted = GrantFactory(role=payroll_admin)
    GrantFactory(role__system=crm)
    assert _rows(officer.get(GRANTS, {"role": payroll_admin.pk})) == [granted.pk]  # a role without a system


def test_a_list_of_more_grants_than_it_pages_through_says_so_and_the_csv_holds_them_all(officer, monkeypatch):
    """Over ``LISTED_AT_MOST`` grants the list is not counted to the end: it pages through the first ones,
    says there are more, and points to the filters and the export."""
    monkeypatch.setattr("access.views.register.LISTED_AT_MOST", 60)
    make_grants(75)

    first = officer.get(GRANTS)
    last = officer.get(GRANTS, {"page": 2})
    beyond = officer.get(GRANTS, {"page": 3})

    page = first.context["page"]
    assert (page.paginator.count, page.paginator.num_pages, page.paginator.capped) == (60, 2, True)
    html = first.content.decode()
    assert "More than 60 grants match: the first 60 are listed." in html
    assert "75 grants." not in html
    assert "Page 1 of 2" in html
    assert len(last.context["page"].object_list) == 10
    assert beyond.context["page"].number == 2  # no page past the ones listed
    seen = listed(officer) + listed(officer, page=2)
    assert len(set(seen)) == 60
    assert len(csv_rows(officer)) == 75


def test_a_list_of_exactly_as_many_grants_as_it_pages_through_counts_them(officer, monkeypatch):
    monkeypatch.setattr("access.views.register.LISTED_AT_MOST", 60)
    make_grants(60)

    response = officer.get(GRANTS)

    assert response.context["page"].paginator.capped is False
    assert "60 grants." in response.content.decode()
    assert 'data-testid="grants-capped"' not in response.content.decode()
