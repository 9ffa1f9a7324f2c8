"""Pages of the risk app: the heat map (inherent and current risk side by side, counts per cell)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from risk.queries.heatmap import heat_map


@login_required
@require_GET
def heatmap(request):
    """Every signed-in person may open it; the counts cover only the risks they may see."""
    status_all = request.GET.get("status") == "all"
    return render(
        request,
        "risk/heatmap/heatmap.html",
        {"heat_map": heat_map(request.user, status_all=status_all), "status_all": status_all},
    )


urlpatterns = [
    path("heatmap/", heatmap, name="heatmap"),
]
