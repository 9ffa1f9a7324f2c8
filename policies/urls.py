"""URLs of the policies app's pages, gathered from its view modules (one per area)."""

from policies.views import acknowledgements, attestations, campaigns, documents, followups

app_name = "policies"

urlpatterns: list = [
    *documents.urlpatterns,
    *attestations.urlpatterns,
    *campaigns.urlpatterns,
    *followups.urlpatterns,
    *acknowledgements.urlpatterns,
]
