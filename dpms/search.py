"""The header's search box: people, systems, roles, risks and incidents, by what the apps register.

dpms knows no domain app: each app registers its kinds of hits (``portal.Search``) with a ``find`` that
reads through its own rules of who may open what, so a person never finds what they could not open. Each
kind costs one query, whatever the data size; a kind shows at most ``PER_KIND`` hits and a link to its list
filtered by the term for the rest. Terms shorter than ``MIN_LENGTH`` are refused with a word, not searched
(two letters would match most of the portal).
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dpms import portal

MIN_LENGTH = 3
MAX_LENGTH = 100
PER_KIND = 5


def search_term(request) -> str:
    """The term asked for, trimmed and with inner runs of spaces made one."""
    return " ".join(request.GET.get("q", "").split())[:MAX_LENGTH]


def results_for(user, term: str) -> list[dict]:
    """Every registered kind's first ``PER_KIND`` hits for ``term``, with whether there are more and the
    list that shows them all; kinds with nothing found are left out. One query per kind."""
    results = []
    for kind in portal.searches():
        hits = list(kind.find(user, term, limit=PER_KIND + 1))
        if not hits:
            continue
        results.append(
            {
                "label": kind.label,
                "hits": hits[:PER_KIND],
                "more": len(hits) > PER_KIND,
                "list_url": kind.list_url(term) if kind.list_url else "",
                "list_label": kind.list_label,
            }
        )
    return results


@login_required
@require_GET
def search(request):
    """The results page of the header's search box."""
    term = search_term(request)
    too_short = bool(term) and len(term) < MIN_LENGTH
    results = results_for(request.user, term) if term and not too_short else []
    context = {
        "term": term,
        "search_term": term,
        "too_short": too_short,
        "min_length": MIN_LENGTH,
        "results": results,
        "searched": bool(term) and not too_short,
    }
    return render(request, "dpms/search.html", context, status=400 if too_short else 200)
