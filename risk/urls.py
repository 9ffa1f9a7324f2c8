"""URLs of the risk app, gathered from its view modules (one per area)."""

from risk.views import acceptances, heatmap, matrices, register, reviews

app_name = "risk"

urlpatterns = [
    *register.urlpatterns,
    *matrices.urlpatterns,
    *acceptances.urlpatterns,
    *reviews.urlpatterns,
    *heatmap.urlpatterns,
]
