"""URLs of the directory app's pages, gathered from its view modules (one per area). The SCIM endpoint
itself is mounted at /scim/v2/ from ``directory.views.scim``."""

from directory.views import connections, mappings

app_name = "directory"

urlpatterns = [
    *connections.urlpatterns,
    *mappings.urlpatterns,
]
