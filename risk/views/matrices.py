"""Pages of the risk app: matrices."""

urlpatterns = []
