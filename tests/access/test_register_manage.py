"""Granting and revoking through the register's pages: audited, validated, never a server error."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from access.models import Grant
from dpms.models import AuditEvent
from tests.access.register_support import register_fixture  # noqa: F401 - the ``register`` fixture
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def grant_url(system):
    return reverse("access:system_grant", args=[system.pk])


def test_owner_grants_a_role_and_the_audit_trail_records_it(client_for, outsider, register):
    response = client_for(register.owner).post(
        grant_url(register.crm),
        {
            "person": "OTTO.outsider@example.com",
            "role": register.crm_user.pk,
            "justification": "Joins sales.",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("access:system", args=[register.crm.pk])
    grant = Grant.objects.active().get(user=outsider, role=register.crm_user)
    assert grant.granted_by == register.owner
    assert grant.justification == "Joins sales."
    event = AuditEvent.objects.get(action="access.grant.create", object_id=str(grant.pk))
    assert event.actor == register.owner


def test_a_temporary_grant_ends_at_the_end_of_the_chosen_day(
    client_for, security_officer, outsider, register
):
    day = timezone.localdate() + datetime.timedelta(days=10)
    client_for(security_officer).post(
        grant_url(register.crm),
        {
            "person": outsider.email,
            "role": register.crm_user.pk,
            "justification": "Cover.",
            "expires_at": day,
        },
    )
    grant = Grant.objects.get(user=outsider, role=register.crm_user)
    assert timezone.localtime(grant.expires_at).date() == day + datetime.timedelta(days=1)
    assert timezone.localtime(grant.expires_at).time() == datetime.time.min


def test_a_duplicate_active_grant_is_a_form_error(client_for, staff, register):
    response = client_for(register.owner).post(
        grant_url(register.crm),
        {"person": staff.email, "role": register.crm_user.pk, "justification": "Again."},
    )
    assert response.status_code == 200
    assert "already holds" in str(response.context["form"].non_field_errors())
    assert Grant.objects.filter(user=staff, role=register.crm_user).count() == 1


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({"justification": "   "}, "justification", "This field is required."),
        ({"person": "nobody@example.com"}, "person", "No one in the portal has this email."),
        ({"expires_at": "2000-01-01"}, "expires_at", "must not be in the past"),
        ({"role": "erp"}, "role", "Select a valid choice."),
    ],
)
def test_bad_grant_input_is_shown_next_to_the_field(client_for, outsider, register, data, field, message):
    form = {"person": outsider.email, "role": register.crm_user.pk, "justification": "Needed."}
    form.update(data)
    if form["role"] == "erp":  # a role of another system cannot be granted from this one
        form["role"] = register.erp_user.pk
    response = client_for(register.owner).post(grant_url(register.crm), form)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not Grant.objects.filter(user=outsider, role__system=register.crm).exists()


def test_a_deactivated_person_cannot_be_granted_access(client_for, register):
    gone = UserFactory(email="gone@example.com", is_active=False)
    response = client_for(register.owner).post(
        grant_url(register.crm), {"person": gone.email, "role": register.crm_user.pk, "justification": "x"}
    )
    assert "deactivated" in " ".join(response.context["form"].errors["person"])


def test_owner_revokes_a_grant_with_a_reason(client_for, register):
    url = reverse("access:grant_revoke", args=[register.staff_crm.pk])
    client = client_for(register.owner)
    assert client.get(url).status_code == 200
    response = client.post(url, {"reason": "Moved to finance."})
    assert response.status_code == 302
    grant = Grant.objects.get(pk=register.staff_crm.pk)
    assert grant.revoked_by == register.owner
    assert grant.revoke_reason == "Moved to finance."
    assert AuditEvent.objects.filter(action="access.grant.revoke", object_id=str(grant.pk)).count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_revoking_without_a_reason_is_refused(client_for, register, reason):
    response = client_for(register.owner).post(
        reverse("access:grant_revoke", args=[register.staff_crm.pk]), {"reason": reason}
    )
    assert response.status_code == 200
    assert "Say why the access is revoked." in response.context["form"].errors["reason"]
    assert Grant.objects.get(pk=register.staff_crm.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action="access.grant.revoke").exists()


def test_revoking_a_revoked_grant_changes_nothing(client_for, register):
    url = reverse("access:grant_revoke", args=[register.staff_crm.pk])
    client = client_for(register.owner)
    client.post(url, {"reason": "Left the team."})
    response = client.post(url, {"reason": "Again."})
    assert response.status_code == 302
    assert Grant.objects.get(pk=register.staff_crm.pk).revoke_reason == "Left the team."
    assert AuditEvent.objects.filter(action="access.grant.revoke").count() == 1


def test_a_revoked_grant_moves_to_the_persons_history(client_for, staff, register):
    client_for(register.owner).post(
        reverse("access:grant_revoke", args=[register.staff_crm.pk]), {"reason": "Role ended."}
    )
    page = client_for(staff).get(reverse("access:person", args=[staff.pk]))
    assert list(page.context["active"]) == []
    assert [grant.pk for grant in page.context["page"].object_list] == [register.staff_crm.pk]
    assert "Role ended." in page.content.decode()


def test_get_is_the_only_other_method_on_action_pages(client_for, register):
    client = client_for(register.owner)
    assert client.put(grant_url(register.crm)).status_code == 405
    assert client.post(reverse("access:grants")).status_code == 405
