"""Pages of the access app: register."""

urlpatterns = []
