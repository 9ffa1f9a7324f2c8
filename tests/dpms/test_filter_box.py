"""A list's filter box (templates/partials/filters.html) is open when a filter is set, so that a phone shows
it unfolded; closed otherwise (a laptop shows it either way). The sort order and the page are not filters."""

import re

import pytest
from django.urls import reverse

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def filter_box(client, query: str = "") -> str:
    page = client.get(reverse("incidents:queue") + query).content.decode()
    return re.search(r'<details class="filter-box"[^>]*>\s*<summary[^>]*>.*?</summary>', page, re.S).group(0)


@pytest.fixture
def officer_client(client_for):
    return client_for(UserFactory(roles=["security officer"]))


def test_no_filter_set_leaves_the_box_folded(officer_client):
    box = filter_box(officer_client)
    assert " open" not in box
    assert re.search(r">Filter</summary>", box)


def test_a_submitted_form_with_its_defaults_and_a_sort_order_is_still_folded(officer_client):
    box = filter_box(officer_client, "?q=&status=open&severity=&sort=reference&page=2")
    assert " open" not in box


def test_a_set_filter_opens_the_box_and_counts_it(officer_client):
    box = filter_box(officer_client, "?status=closed&severity=1&sort=reference")
    assert " open" in box
    assert "(2 set)" in box


def test_a_filter_with_an_error_opens_the_box(officer_client):
    box = filter_box(officer_client, "?status=nonsense")
    assert " open" in box
