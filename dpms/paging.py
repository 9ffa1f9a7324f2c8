"""Paging a list page: the page of rows asked for, and the query string without ``page`` that the
pagination and sort links (``partials/pagination.html``) add their own page to."""

from typing import cast

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.utils.functional import cached_property


def query_without_page(request, drop=(), **changes) -> str:
    """The request's query string without ``page`` (and the keys in ``drop``), with ``changes`` set (e.g.
    another sort)."""
    query = request.GET.copy()
    for key in ("page", *drop):
        query.pop(key, None)
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


def paginate(request, rows, per_page: int):
    """The requested page of ``rows`` (Django's ``get_page``: the last page past the end, the first for
    anything that is not a number) and the query string without the page."""
    return Paginator(rows, per_page).get_page(request.GET.get("page")), query_without_page(request)


def deferred_page(rows, per_page: int, number) -> Page:
    """The page ``number`` of ``rows`` found in two steps: the page's ids first, sorted and sliced with only
    the joins the order needs, then those rows with everything they show. On a list of 100,000 rows the
    database then joins 50 rows, not all of them. Three queries: the count, the ids, the rows."""
    ids_page = Paginator(rows.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(ids_page.object_list)
    by_pk = rows.order_by().filter(pk__in=ids).in_bulk() if ids else {}
    return Page([by_pk[pk] for pk in ids if pk in by_pk], ids_page.number, ids_page.paginator)


class CappedPaginator(Paginator):
    """Pages through the first ``cap`` rows of a list that can hold 100,000 (the grants): counting every row
    of such a list takes longer than the rest of its page, and nobody pages through 200 pages of it. The
    count reads at most ``cap + 1`` rows, in no order; ``capped`` says there are more than ``cap``, and the
    page then says so, asking to filter the list (or to export it: the CSV streams every row)."""

    capped = False

    def __init__(self, object_list: QuerySet, per_page: int, *, cap: int):
        super().__init__(object_list, per_page)
        self.cap = cap

    @cached_property
    def count(self) -> int:
        found = cast(QuerySet, self.object_list).order_by()[: self.cap + 1].count()
        self.capped = found > self.cap
        return min(found, self.cap)
