"""URLs of the access app, gathered from its view modules (one per area)."""

from access.views import campaigns, imports, policies, queue, register, requests, revocations

app_name = "access"

urlpatterns = [
    *register.urlpatterns,
    *imports.urlpatterns,
    *requests.urlpatterns,
    *policies.urlpatterns,
    *campaigns.urlpatterns,
    *queue.urlpatterns,
    *revocations.urlpatterns,
]
