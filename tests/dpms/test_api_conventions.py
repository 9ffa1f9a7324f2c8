"""What every endpoint shares: JSON only, problem details for every error (field errors on 400s), cursor
pages of at most 200 that cost the same at any size, and throttling with Retry-After."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.dpms.api_support import api_client, token_for
from tests.factories import NotificationFactory, UserFactory

pytestmark = pytest.mark.django_db

PEOPLE = reverse("api:person-list")
NOTIFICATIONS = reverse("api:notification-list")


@pytest.fixture
def staff_api(staff):
    return api_client(token_for(staff, read_only=False)[1])


def test_a_400_is_problem_details_with_the_field_errors(staff_api):
    response = staff_api.post(reverse("api:notification-mark-read"), {"ids": ["x", 0]}, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["type"] == "about:blank"
    assert body["title"] == "The request is not valid"
    assert body["status"] == 400
    assert set(body["errors"]) == {"ids.0", "ids.1"}  # each bad item by its place in the list
    assert body["errors"]["ids.0"] == ["A valid integer is required."]


def test_malformed_json_is_a_400_not_a_500(staff_api):
    response = staff_api.post(
        reverse("api:notification-mark-read"), "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["status"] == 400


def test_only_json_is_spoken(staff_api):
    response = staff_api.post(
        reverse("api:notification-mark-read"), "ids=1", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert staff_api.get(PEOPLE, HTTP_ACCEPT="text/html").status_code == 406


def test_an_unknown_id_is_a_404_problem(staff_api):
    response = staff_api.get(reverse("api:person-detail", args=[999999]))
    assert response.status_code == 404
    assert response.json()["title"] == "Not found"


def test_someone_elses_notification_is_not_found(staff, outsider, staff_api):
    theirs = NotificationFactory(recipient=outsider)
    assert staff_api.get(reverse("api:notification-detail", args=[theirs.pk])).status_code == 404
    mine = NotificationFactory(recipient=staff)
    assert staff_api.get(reverse("api:notification-detail", args=[mine.pk])).status_code == 200


def test_cursor_pages_walk_the_whole_list_once(staff_api):
    UserFactory.create_batch(7)
    seen, url = [], PEOPLE + "?page_size=3"
    while url:
        body = staff_api.get(url).json()
        assert len(body["results"]) <= 3
        seen += [person["id"] for person in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen))
    assert len(seen) == staff_api.get(PEOPLE + "?page_size=200").json()["results"].__len__()


@pytest.mark.parametrize("size", ["0", "201", "5000", "-1", "ten", "1.5"])
def test_a_page_size_outside_1_to_200_is_a_400_naming_it(staff_api, size):
    response = staff_api.get(PEOPLE, {"page_size": size})
    assert response.status_code == 400
    assert response.json()["errors"] == {"page_size": ["A whole number from 1 to 200."]}


def test_a_cursor_the_list_did_not_give_is_a_400(staff_api):
    response = staff_api.get(PEOPLE, {"cursor": "not-a-cursor"})
    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_a_parameter_given_twice_is_a_400(staff_api):
    response = staff_api.get(PEOPLE + "?page_size=5&page_size=6")
    assert response.status_code == 400
    assert response.json()["errors"] == {"page_size": ["Give this parameter once."]}


@pytest.mark.parametrize("value", ["maybe", "yes", ""])
def test_a_yes_no_filter_takes_only_true_or_false(staff_api, value):
    response = staff_api.get(PEOPLE, {"is_active": value})
    assert response.status_code == 400
    assert response.json()["errors"] == {"is_active": ["Give true or false."]}


def test_an_id_that_is_not_a_number_is_a_404_problem(staff_api):
    response = staff_api.get("/api/v1/people/abc/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert staff_api.get("/api/v1/no-such-thing/")["Content-Type"] == "application/problem+json"


def test_filters_narrow_the_list(staff_api, staff, team):
    UserFactory(team=None, full_name="Nobody Special")
    ids = {p["id"] for p in staff_api.get(PEOPLE, {"team": team.pk}).json()["results"]}
    assert staff.pk in ids
    assert all(p["team"] == team.pk for p in staff_api.get(PEOPLE, {"team": team.pk}).json()["results"])
    assert staff_api.get(PEOPLE, {"team": "abc"}).status_code == 400


@pytest.mark.parametrize("rows", [10, 1000])
def test_list_endpoints_run_a_fixed_number_of_queries(staff, rows, django_assert_num_queries):
    people = UserFactory.build_batch(rows)
    from dpms.models import User

    User.objects.bulk_create(people)
    NotificationFactory.create_batch(min(rows, 60), recipient=staff)
    client = api_client(token_for(staff)[1])
    client.get(PEOPLE)  # the first use notes the time and address (at most once a minute)
    # token with its owner (1), a page of people with their roles annotated (1)
    with django_assert_num_queries(2):
        assert client.get(PEOPLE + "?page_size=200").status_code == 200
    # token with its owner (1), a page of the person's notifications (1)
    with django_assert_num_queries(2):
        assert client.get(NOTIFICATIONS).status_code == 200


def test_a_token_over_its_budget_gets_429_with_retry_after(staff, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    # The throttles read their rates from the class (filled from the settings at import); monkeypatch puts
    # them back after the test, so no later test in this process meets a budget of 3.
    monkeypatch.setattr(
        SimpleRateThrottle, "THROTTLE_RATES", {"person_or_token": "3/min", "address": "1000/min"}
    )
    cache.clear()
    client = api_client(token_for(staff)[1])
    statuses = [client.get(PEOPLE).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get(PEOPLE)
    assert int(response["Retry-After"]) > 0
    assert response.json()["status"] == 429
    other = api_client(token_for(staff, name="other")[1])
    assert other.get(PEOPLE).status_code == 200  # each token has its own budget


def test_a_request_django_refuses_before_any_view_is_a_400_problem(staff_api, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    fields = {f"field{n}": "x" for n in range(10)}
    response = staff_api.post(
        reverse("api:notification-mark-read") + "?" + "&".join(f"{k}=v" for k in fields)
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"


def test_a_typed_filter_given_nothing_or_a_choice_it_does_not_have_is_a_400(auditor):
    client = api_client(token_for(auditor)[1])
    response = client.get(reverse("api:audit-event-list"), {"date_to": ""})
    assert response.status_code == 400
    assert response.json()["errors"] == {"date_to": ["Give a value, or leave the parameter out."]}
    assert client.get(reverse("api:audit-event-list"), {"actor": ""}).status_code == 200  # a text search
