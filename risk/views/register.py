"""Pages of the risk app: register."""

urlpatterns = []
