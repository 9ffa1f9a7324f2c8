"""Pages of the access app: campaigns."""

urlpatterns = []
