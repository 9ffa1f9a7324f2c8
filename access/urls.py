"""URLs of the access app, gathered from its view modules (one per area)."""

from access.views import (
    birthright,
    campaigns,
    closing,
    evidence,
    imports,
    policies,
    register,
    requests,
    reviews,
    revocations,
)

app_name = "access"

urlpatterns = [
    *register.urlpatterns,
    *imports.urlpatterns,
    *requests.urlpatterns,
    *policies.urlpatterns,
    *campaigns.urlpatterns,
    *reviews.urlpatterns,
    *revocations.urlpatterns,
    *closing.urlpatterns,
    *evidence.urlpatterns,
    *birthright.urlpatterns,
]
