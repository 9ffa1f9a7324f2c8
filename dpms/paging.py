"""Paging a list page: the page of rows asked for, and the query string without ``page`` that the
pagination and sort links (``partials/pagination.html``) add their own page to."""

from django.core.paginator import Page, Paginator


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
