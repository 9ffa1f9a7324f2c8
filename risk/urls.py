"""URLs of the risk app, gathered from its view modules (one per area)."""

from risk.views import acceptances, actions, heatmap, matrices, register, reviews

app_name = "risk"

urlpatterns = [
    *register.urlpatterns,
    *matrices.urlpatterns,
    *actions.urlpatterns,
    *acceptances.urlpatterns,
    *reviews.urlpatterns,
    *heatmap.urlpatterns,
]
