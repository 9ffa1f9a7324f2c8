"""Pages of the access app: revocations."""

urlpatterns = []
