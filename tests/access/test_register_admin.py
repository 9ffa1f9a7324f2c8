"""The Django admin for the access app: portal admins only; systems and roles audited; workflows read-only."""

import pytest
from django.urls import reverse

from access.models import System
from dpms.models import AuditEvent
from tests.access.register_support import register_fixture  # noqa: F401 - the ``register`` fixture

pytestmark = pytest.mark.django_db

MODELS = (
    "system",
    "role",
    "grant",
    "accessrequest",
    "importbatch",
    "finding",
    "reviewpolicy",
    "reviewcampaign",
    "reviewitem",
    "revocationtask",
)


@pytest.mark.parametrize("model", MODELS)
def test_portal_admins_see_every_access_model(client_for, admin_user, register, model):
    assert client_for(admin_user).get(reverse(f"admin:access_{model}_changelist")).status_code == 200


@pytest.mark.parametrize("persona", ["security_officer", "auditor", "staff"])
def test_other_people_do_not_get_into_the_access_admin(request, client_for, persona, register):
    response = client_for(request.getfixturevalue(persona)).get(reverse("admin:access_grant_changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("model", ["grant", "finding", "importbatch", "reviewcampaign", "reviewitem"])
def test_workflow_records_cannot_be_added_in_the_admin(client_for, admin_user, register, model):
    assert client_for(admin_user).get(reverse(f"admin:access_{model}_add")).status_code == 403


def test_adding_a_system_in_the_admin_is_audited(client_for, admin_user, register):
    response = client_for(admin_user).post(
        reverse("admin:access_system_add"),
        {
            "name": "Payroll",
            "description": "",
            "environment": "production",
            "data_classification": "confidential",
            "max_privileged": 2,
            "expiry_action": "revoke",
            "roles-TOTAL_FORMS": 0,
            "roles-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    system = System.objects.get(name="Payroll")
    event = AuditEvent.objects.get(action="access.system.create", object_id=str(system.pk))
    assert event.changes["created"]["max_privileged"] == 2


def test_changing_a_systems_limit_in_the_admin_records_before_and_after(client_for, admin_user, register):
    crm = register.crm
    client_for(admin_user).post(
        reverse("admin:access_system_change", args=[crm.pk]),
        {
            "name": crm.name,
            "description": crm.description,
            "owner": crm.owner_id,
            "environment": crm.environment,
            "data_classification": crm.data_classification,
            "max_privileged": 4,
            "expiry_action": crm.expiry_action,
            "roles-TOTAL_FORMS": 2,
            "roles-INITIAL_FORMS": 2,
            "roles-0-id": register.crm_admin.pk,
            "roles-0-system": crm.pk,
            "roles-1-id": register.crm_user.pk,
            "roles-1-system": crm.pk,
        },
    )
    event = AuditEvent.objects.get(action="access.system.update")
    assert event.changes == {"max_privileged": [1, 4]}
