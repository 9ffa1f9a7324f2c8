"""Who sees what in the register: the permission ladder on every page."""

import pytest
from django.urls import reverse

from tests.access.register_support import register_fixture  # noqa: F401 - the ``register`` fixture
from tests.dashboard_support import dashboard_html

pytestmark = pytest.mark.django_db


def grants_listed(response):
    return {grant.pk for grant in response.context["page"].object_list}


def holders_listed(response):
    return {grant.pk for grant in response.context["holders"].object_list}


@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("access:systems", []),
        ("access:system", ["crm"]),
        ("access:system_grant", ["crm"]),
        ("access:grants", []),
        ("access:grants_csv", []),
        ("access:grant_revoke", ["grant"]),
        ("access:person", ["person"]),
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(client, register, name, args):
    ids = {"crm": register.crm.pk, "grant": register.staff_crm.pk, "person": register.staff_crm.user_id}
    response = client.get(reverse(name, args=[ids[arg] for arg in args]))
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_staff_see_only_their_own_grants(client_for, staff, register):
    client = client_for(staff)
    assert grants_listed(client.get(reverse("access:grants"))) == {register.staff_crm.pk}
    assert holders_listed(client.get(reverse("access:system", args=[register.crm.pk]))) == {
        register.staff_crm.pk
    }


def test_staff_cannot_open_a_colleagues_access_page(client_for, staff, second_report, register):
    client = client_for(staff)
    assert client.get(reverse("access:person", args=[staff.pk])).status_code == 200
    assert client.get(reverse("access:person", args=[second_report.pk])).status_code == 404


def test_staff_may_look_at_a_system_but_not_grant_or_revoke(client_for, staff, register):
    client = client_for(staff)
    page = client.get(reverse("access:system", args=[register.crm.pk]))
    assert page.status_code == 200
    assert page.context["grant_form"] is None
    assert client.get(reverse("access:system_grant", args=[register.crm.pk])).status_code == 403
    # Their own grant is visible but not theirs to revoke; someone else's is not even visible.
    assert (
        client.post(reverse("access:grant_revoke", args=[register.staff_crm.pk]), {"reason": "x"}).status_code
        == 403
    )
    assert (
        client.post(
            reverse("access:grant_revoke", args=[register.outsider_erp.pk]), {"reason": "x"}
        ).status_code
        == 404
    )


def test_manager_sees_their_reports_grants_and_their_own(client_for, manager, register):
    listed = grants_listed(client_for(manager).get(reverse("access:grants")))
    assert listed == {register.staff_crm.pk, register.report_crm_admin.pk, register.manager_erp.pk}


def test_manager_opens_a_reports_page_but_gets_404_for_an_outsider(
    client_for,
    manager,
    staff,
    outsider,
    register,
):
    client = client_for(manager)
    page = client.get(reverse("access:person", args=[staff.pk]))
    assert page.status_code == 200
    assert [grant.pk for grant in page.context["active"]] == [register.staff_crm.pk]
    assert client.get(reverse("access:person", args=[outsider.pk])).status_code == 404


def test_owner_sees_the_grants_on_their_systems_only(client_for, staff, outsider, register):
    client = client_for(register.owner)
    assert grants_listed(client.get(reverse("access:grants"))) == {
        register.staff_crm.pk,
        register.report_crm_admin.pk,
    }
    page = client.get(reverse("access:person", args=[staff.pk]))
    assert page.status_code == 200
    assert page.context["whole"] is False
    assert "only this person's access on the systems you own" in page.content.decode()
    assert client.get(reverse("access:person", args=[outsider.pk])).status_code == 404


def test_owner_manages_their_system_but_not_another(client_for, register):
    client = client_for(register.owner)
    assert client.get(reverse("access:system", args=[register.crm.pk])).context["grant_form"] is not None
    assert client.get(reverse("access:system_grant", args=[register.crm.pk])).status_code == 200
    assert client.get(reverse("access:system_grant", args=[register.erp.pk])).status_code == 403


@pytest.mark.parametrize("persona", ["security_officer", "auditor"])
def test_security_officers_and_auditors_read_everything(request, client_for, persona, register):
    client = client_for(request.getfixturevalue(persona))
    assert len(grants_listed(client.get(reverse("access:grants")))) == 4
    assert client.get(reverse("access:person", args=[register.outsider_erp.user_id])).status_code == 200
    detail = client.get(reverse("access:system", args=[register.crm.pk]))
    assert holders_listed(detail) == {register.staff_crm.pk, register.report_crm_admin.pk}
    assert detail.context["findings"] is not None


def test_auditor_changes_nothing(client_for, auditor, staff, register):
    client = client_for(auditor)
    assert client.get(reverse("access:system", args=[register.crm.pk])).context["grant_form"] is None
    granted = client.post(
        reverse("access:system_grant", args=[register.crm.pk]),
        {"person": staff.email, "role": register.crm_admin.pk, "justification": "Audit sample."},
    )
    assert granted.status_code == 403
    revoked = client.post(reverse("access:grant_revoke", args=[register.staff_crm.pk]), {"reason": "No."})
    assert revoked.status_code == 403
    register.staff_crm.refresh_from_db()
    assert register.staff_crm.revoked_at is None
    assert not staff.grants.filter(role=register.crm_admin).exists()


def test_security_officer_manages_every_system(client_for, security_officer, register):
    client = client_for(security_officer)
    for system in (register.crm, register.erp):
        assert client.get(reverse("access:system_grant", args=[system.pk])).status_code == 200


def test_unknown_system_and_person_are_404(client_for, security_officer, register):
    client = client_for(security_officer)
    assert client.get(reverse("access:system", args=[999999])).status_code == 404
    assert client.get(reverse("access:person", args=[999999])).status_code == 404


def test_findings_are_hidden_from_people_who_do_not_own_the_system(client_for, staff, register):
    page = client_for(staff).get(reverse("access:system", args=[register.crm.pk]))
    assert page.context["findings"] is None


def test_access_link_is_in_everyones_menu(client_for, staff, register):
    page = dashboard_html(client_for(staff))
    assert f'<a href="{reverse("access:grants")}">Access</a>' in page
