"""Pages of the risk app: acceptances."""

urlpatterns = []
