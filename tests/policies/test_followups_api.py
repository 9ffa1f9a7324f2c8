"""Follow-ups through the API: who sees which, resolving (the manager or an officer, audited as the API), bad
input answered with a 400, the list's filters and its query count at two sizes."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from dpms.models import AuditEvent, AuditSource
from policies.choices import FollowUpStatus
from tests.dpms.api_support import api_client, token_for
from tests.factories import UserFactory
from tests.policies.factories import FollowUpFactory

pytestmark = pytest.mark.django_db

LIST = reverse("api:policy-follow-up-list")


def detail(follow_up):
    return reverse("api:policy-follow-up-detail", args=[follow_up.pk])


def resolve(follow_up):
    return reverse("api:policy-follow-up-resolve", args=[follow_up.pk])


def reader(user):
    return api_client(token_for(user)[1])


def writer(user):
    return api_client(token_for(user, read_only=False)[1])


@pytest.fixture
def follow_up(staff):
    return FollowUpFactory(answer__assignment__person=staff)


def test_each_persona_lists_what_the_page_shows(follow_up, staff, manager, outsider, auditor):
    for person in (staff, manager, auditor):
        ids = [row["id"] for row in reader(person).get(LIST).json()["results"]]
        assert ids == [follow_up.pk], person
    assert reader(outsider).get(LIST).json()["results"] == []
    assert reader(outsider).get(detail(follow_up)).status_code == 404
    body = reader(manager).get(detail(follow_up)).json()
    assert body["you_may_resolve"] is True
    assert body["explanation"] == follow_up.answer.explanation
    assert reader(staff).get(detail(follow_up)).json()["you_may_resolve"] is False


def test_the_manager_resolves_through_the_api_audited_as_the_api(follow_up, manager):
    response = writer(manager).post(resolve(follow_up), {"resolution": "Encrypted today."}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == FollowUpStatus.RESOLVED
    event = AuditEvent.objects.get(action="policy.followup.resolve")
    assert event.source == AuditSource.API


@pytest.mark.parametrize("body", [{}, {"resolution": ""}, {"resolution": 3}, {"resolution": "   "}])
def test_bad_input_is_a_400_and_resolves_nothing(follow_up, manager, body):
    response = writer(manager).post(resolve(follow_up), body, format="json")
    assert response.status_code == 400, response.content
    follow_up.refresh_from_db()
    assert follow_up.status == FollowUpStatus.OPEN


def test_the_person_and_auditors_may_not_resolve(follow_up, staff, auditor):
    for person in (staff, auditor):
        response = writer(person).post(resolve(follow_up), {"resolution": "Done"}, format="json")
        assert response.status_code == 403, person


@pytest.mark.parametrize(
    "query", [{"overdue": "maybe"}, {"team": "x"}, {"status": "closed"}, {"policy": "0"}]
)
def test_bad_filters_are_a_400(auditor, query):
    assert reader(auditor).get(LIST, query).status_code == 400


def test_the_overdue_filter(auditor, follow_up):
    late = FollowUpFactory(due_at=timezone.now() - datetime.timedelta(days=1))
    ids = [
        row["id"] for row in reader(auditor).get(LIST, {"scope": "all", "overdue": "true"}).json()["results"]
    ]
    assert ids == [late.pk]


@pytest.mark.parametrize("size", [2, 15])
def test_the_list_costs_the_same_at_any_size(auditor, size, django_assert_num_queries):
    for _n in range(size):
        FollowUpFactory(answer__assignment__person=UserFactory(manager=UserFactory()))
    client = reader(auditor)
    client.get(LIST)
    # 3 queries: the token with its person (1), the person's groups (1), the page of follow-ups with
    # everything a row shows (1). The filter form reads no choice unless a policy or team is given.
    with django_assert_num_queries(3):
        response = client.get(LIST)
    assert len(response.json()["results"]) == size
