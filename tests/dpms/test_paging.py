"""Paging in two steps (ids, then rows) keeps the order and the rows of plain paging."""

import pytest

from dpms.models import User
from dpms.paging import deferred_page
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_deferred_page_holds_the_same_rows_in_the_same_order_as_plain_paging():
    made = [UserFactory(full_name=f"Person {(n * 7) % 23:02}").pk for n in range(23)]
    people = User.objects.filter(pk__in=made).select_related("team").order_by("-full_name", "pk")
    pages = [deferred_page(people, 10, number) for number in (1, 2, 3, "nonsense", 99)]
    assert [[p.full_name for p in page.object_list] for page in pages[:3]] == [
        [p.full_name for p in people[start : start + 10]] for start in (0, 10, 20)
    ]
    assert pages[3].number == 1  # not a number: the first page
    assert pages[4].number == 3  # past the end: the last page
    assert pages[0].paginator.count == 23
    assert pages[2].has_previous()
    assert not pages[2].has_next()
