"""URLs of the policies app's pages, gathered from its view modules (one per area)."""

app_name = "policies"

urlpatterns: list = []
