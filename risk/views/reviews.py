"""Pages of the risk app: reviews."""

urlpatterns = []
