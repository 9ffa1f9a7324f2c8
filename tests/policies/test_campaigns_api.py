"""Policy campaigns through the API: officers and auditors read them with their numbers, officers launch and
close them; everyone else is refused; bad input is a 400; the list costs the same at two sizes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent, AuditSource
from policies.choices import AssignmentStatus, CampaignStatus
from policies.models import AttestationQuestion, PolicyCampaign
from tests.dpms.api_support import api_client, token_for
from tests.policies.factories import AssignmentFactory, CampaignFactory, PolicyVersionFactory, QuestionFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:policy-campaign-list")


def reader(user):
    return api_client(token_for(user)[1])


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


@pytest.fixture
def campaign(staff, second_report):
    campaign = CampaignFactory()
    AssignmentFactory(campaign=campaign, person=staff)
    AssignmentFactory(campaign=campaign, person=second_report, status=AssignmentStatus.DONE)
    return campaign


def test_officers_and_auditors_read_campaigns_with_their_numbers(campaign, auditor, security_officer):
    for person in (auditor, security_officer):
        (row,) = reader(person).get(LIST).json()["results"]
        assert row["numbers"] == {
            "total": 2,
            "done": 1,
            "pending": 1,
            "no_response": 0,
            "excused": 0,
            "acknowledged_percent": 50,
        }
    detail = reader(auditor).get(reverse("api:policy-campaign-detail", args=[campaign.pk]))
    assert detail.json()["version"] == campaign.version.number


def test_everyone_else_is_refused(campaign, staff, manager):
    for person in (staff, manager):
        assert reader(person).get(LIST).status_code == 403
        assert (
            reader(person).get(reverse("api:policy-campaign-detail", args=[campaign.pk])).status_code == 403
        )


def test_an_officer_launches_with_questions_of_their_own(security_officer, staff):
    version = PolicyVersionFactory()
    QuestionFactory(policy=version.policy, text="Template question")
    due = (timezone.now() + datetime.timedelta(days=10)).isoformat()
    body = {
        "policy": version.policy_id,
        "due_at": due,
        "questions": [{"text": "Disk encryption is on", "kind": "yes_no"}],
    }
    response = writer(security_officer).post(LIST, body, format="json")
    assert response.status_code == 201, response.content
    campaign = PolicyCampaign.objects.get(pk=response.json()["id"])
    assert list(AttestationQuestion.objects.filter(campaign=campaign).values_list("text", flat=True)) == [
        "Disk encryption is on"
    ]
    assert AuditEvent.objects.get(action="policy.campaign.launch").source == AuditSource.API


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"policy": "1"},
        {"policy": 99999999999999999999},
        {"policy": None},
        {"policy": 1, "due_at": "2001-01-01T00:00:00Z"},
        {"policy": 1, "questions": [{"text": 3}]},
        {"policy": 1, "questions": [{"text": "x", "kind": "essay"}]},
    ],
)
def test_bad_launches_are_a_400(security_officer, body):
    version = PolicyVersionFactory()
    if body.get("policy") == 1:
        body["policy"] = version.policy_id
    response = writer(security_officer).post(LIST, body, format="json")
    assert response.status_code == 400, response.content
    assert not PolicyCampaign.objects.exists()


def test_auditors_neither_launch_nor_close(campaign, auditor):
    version = PolicyVersionFactory()
    assert writer(auditor).post(LIST, {"policy": version.policy_id}, format="json").status_code == 403
    close = reverse("api:policy-campaign-close", args=[campaign.pk])
    assert writer(auditor).post(close, format="json").status_code == 403


def test_an_officer_closes(campaign, security_officer):
    close = reverse("api:policy-campaign-close", args=[campaign.pk])
    response = writer(security_officer).post(close, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == CampaignStatus.CLOSED
    assert response.json()["numbers"]["no_response"] == 1
    assert writer(security_officer).post(close, format="json").status_code == 400  # closed already


@pytest.mark.parametrize("size", [2, 12])
def test_the_list_costs_the_same_at_any_size(auditor, size, django_assert_num_queries):
    for _n in range(size):
        AssignmentFactory(campaign=CampaignFactory())
    client = reader(auditor)
    client.get(LIST)
    # 3 queries: the token with its person (1), the person's groups (1), the page of campaigns, each with
    # its numbers counted by the database (1).
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert len(response.json()["results"]) == size
