"""Pages of the access app: imports."""

urlpatterns = []
