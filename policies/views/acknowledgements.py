"""The evidence per policy version for officers and auditors: who acknowledged it and when (paged, by team),
who in the audience has not, and both as one CSV."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dpms.csvexport import bad_filter, streaming_csv
from dpms.paging import paginate
from policies.forms.acknowledgements import TeamFilterForm
from policies.queries import acknowledgements as queries

PAGE_SIZE = 50


@login_required
@require_GET
def version_acknowledgements(request, policy_id, number):
    version = queries.get_version(request.user, policy_id, number)
    filters = TeamFilterForm(request.GET or None)
    team_id = filters.team_id()
    done, query = paginate(request, queries.acknowledgements_of(version, team_id=team_id), PAGE_SIZE)
    missing = paginate_missing(request, queries.not_acknowledged(version, team_id=team_id))
    context = {"version": version, "policy": version.policy, "filters": filters, "done": done, "query": query}
    context["missing"] = missing
    return render(request, "policies/acknowledgements/version.html", context)


def paginate_missing(request, rows):
    """The audience not acknowledged, paged by its own parameter (``missing``) beside the main list's."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("missing"))


CSV_HEADER = [
    "policy", "version", "person", "email", "team", "acknowledged", "acknowledged_at", "campaign",
]  # fmt: skip


@login_required
@require_GET
def version_acknowledgements_csv(request, policy_id, number):
    version = queries.get_version(request.user, policy_id, number)
    filters = TeamFilterForm(request.GET or None)
    if request.GET and not filters.is_valid():
        return bad_filter(filters)
    team_id = filters.team_id()
    title, number = version.policy.title, version.number

    def rows():
        for ack in queries.acknowledgements_of(version, team_id=team_id).iterator(chunk_size=1000):
            person = ack.person
            campaign = ack.assignment.campaign.name if ack.assignment_id and ack.assignment else ""
            team = person.team.name if person.team else ""
            yield [title, number, person.full_name, person.email, team, "yes", ack.acknowledged_at, campaign]
        for person in queries.not_acknowledged(version, team_id=team_id).iterator(chunk_size=1000):
            team = person.team.name if person.team else ""
            yield [title, number, person.full_name, person.email, team, "no", "", ""]

    name = f"policy-{version.policy_id}-v{number}-acknowledgements"
    return streaming_csv(name=name, header=CSV_HEADER, rows=rows())


urlpatterns = [
    path(
        "<int:policy_id>/v/<int:number>/acknowledgements",
        version_acknowledgements,
        name="version_acknowledgements",
    ),
    path(
        "<int:policy_id>/v/<int:number>/acknowledgements.csv",
        version_acknowledgements_csv,
        name="version_acknowledgements_csv",
    ),
]
