"""Paging a list page: the page of rows asked for, and the query string without ``page`` that the
pagination and sort links (``partials/pagination.html``) add their own page to."""

from django.core.paginator import Paginator


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
