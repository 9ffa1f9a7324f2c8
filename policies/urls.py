"""URLs of the policies app's pages, gathered from its view modules (one per area)."""

from policies.views import followups

app_name = "policies"

urlpatterns: list = [
    *followups.urlpatterns,
]
