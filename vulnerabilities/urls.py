"""URLs of the vulnerabilities app's pages, gathered from its view modules (one per area)."""

from vulnerabilities.views import components, deadlines, disclosures, imports, register

app_name = "vulnerabilities"

urlpatterns = [
    *register.urlpatterns,
    *deadlines.urlpatterns,
    *components.urlpatterns,
    *imports.urlpatterns,
    *disclosures.urlpatterns,
]
