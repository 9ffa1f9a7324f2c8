"""Pages of the access app: queue."""

urlpatterns = []
