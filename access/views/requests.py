"""Pages of the access app: requests."""

urlpatterns = []
