"""Pages of the access app: policies."""

urlpatterns = []
