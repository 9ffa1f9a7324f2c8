"""Who sees and changes which risk: the permission ladder on every register page."""

import pytest
from django.urls import reverse
from guardian.shortcuts import assign_perm

from risk.models import Risk
from tests.risk.register_support import cast_fixture, matrix_fixture  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

PAGES = [
    ("risk:register", False),
    ("risk:register_csv", False),
    ("risk:risk_create", False),
    ("risk:risk", True),
    ("risk:risk_edit", True),
]
POSTS = ["risk:risk_status", "risk:risk_share", "risk:risk_unshare"]


def listed(client):
    return {risk.pk for risk in client.get(reverse("risk:register")).context["page"].object_list}


def edit_data(risk, **changes):
    data = {
        "title": risk.title,
        "owner": risk.owner_id,
        "treatment": risk.treatment,
        "inherent_likelihood": risk.inherent_likelihood,
        "inherent_impact": risk.inherent_impact,
        "current_likelihood": risk.current_likelihood,
        "current_impact": risk.current_impact,
        "target_likelihood": "",
        "target_impact": "",
    }
    return {**data, **changes}


@pytest.mark.parametrize(("name", "with_risk"), PAGES + [(name, True) for name in POSTS])
def test_anonymous_visitors_are_sent_to_sign_in(client, cast, name, with_risk):
    url = reverse(name, args=[cast.staff_risk.pk] if with_risk else [])
    response = client.post(url) if name in POSTS else client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_staff_see_only_their_own_risks(client_for, staff, cast):
    client = client_for(staff)
    assert listed(client) == {cast.staff_risk.pk}
    assert client.get(reverse("risk:risk", args=[cast.staff_risk.pk])).status_code == 200


def test_staff_get_404_on_a_risk_they_do_not_own(client_for, staff, cast):
    client = client_for(staff)
    other = cast.outsider_risk.pk
    assert client.get(reverse("risk:risk", args=[other])).status_code == 404
    assert client.get(reverse("risk:risk_edit", args=[other])).status_code == 404
    assert client.post(reverse("risk:risk_status", args=[other]), {"status": "closed"}).status_code == 404
    assert (
        client.post(reverse("risk:risk_share", args=[other]), {"person": "x@example.com"}).status_code == 404
    )


def test_the_owner_edits_their_risk(client_for, staff, cast):
    risk = cast.staff_risk
    client = client_for(staff)
    assert client.get(reverse("risk:risk_edit", args=[risk.pk])).status_code == 200
    response = client.post(reverse("risk:risk_edit", args=[risk.pk]), edit_data(risk, title="Renamed"))
    assert response.status_code == 302
    assert Risk.objects.get(pk=risk.pk).title == "Renamed"


def test_staff_do_not_create_risks(client_for, staff, cast):
    assert client_for(staff).get(reverse("risk:risk_create")).status_code == 403


def test_a_read_share_shows_the_risk_but_editing_is_forbidden(client_for, second_report, cast):
    assign_perm("risk.view_risk", second_report, cast.staff_risk)
    client = client_for(second_report)
    assert listed(client) == {cast.staff_risk.pk}
    assert client.get(reverse("risk:risk", args=[cast.staff_risk.pk])).status_code == 200
    assert client.get(reverse("risk:risk_edit", args=[cast.staff_risk.pk])).status_code == 403


def test_an_edit_share_lets_them_edit_but_not_share(client_for, second_report, cast):
    assign_perm("risk.view_risk", second_report, cast.staff_risk)
    assign_perm("risk.edit_shared_risk", second_report, cast.staff_risk)
    client = client_for(second_report)
    assert client.get(reverse("risk:risk_edit", args=[cast.staff_risk.pk])).status_code == 200
    page = client.get(reverse("risk:risk", args=[cast.staff_risk.pk]))
    assert page.context["may_edit"] is True
    assert page.context["may_share"] is False
    share = client.post(reverse("risk:risk_share", args=[cast.staff_risk.pk]), {"person": "x@example.com"})
    assert share.status_code == 403


def test_the_auditor_reads_everything_and_changes_nothing(client_for, auditor, cast):
    client = client_for(auditor)
    assert len(listed(client)) == 3
    risk = cast.outsider_risk
    assert client.get(reverse("risk:risk", args=[risk.pk])).status_code == 200
    assert client.get(reverse("risk:register_csv")).status_code == 200
    assert client.get(reverse("risk:risk_create")).status_code == 403
    assert client.get(reverse("risk:risk_edit", args=[risk.pk])).status_code == 403
    assert client.post(reverse("risk:risk_edit", args=[risk.pk]), edit_data(risk)).status_code == 403
    assert client.post(reverse("risk:risk_status", args=[risk.pk]), {"status": "closed"}).status_code == 403
    assert (
        client.post(reverse("risk:risk_share", args=[risk.pk]), {"person": "x@example.com"}).status_code
        == 403
    )
    assert Risk.objects.get(pk=risk.pk).status == "open"


def test_the_security_officer_manages_every_risk(client_for, security_officer, cast):
    client = client_for(security_officer)
    assert len(listed(client)) == 3
    risk = cast.outsider_risk
    assert client.get(reverse("risk:risk_create")).status_code == 200
    assert client.get(reverse("risk:risk_edit", args=[risk.pk])).status_code == 200
    assert client.post(reverse("risk:risk_status", args=[risk.pk]), {"status": "closed"}).status_code == 302
    assert Risk.objects.get(pk=risk.pk).status == "closed"
