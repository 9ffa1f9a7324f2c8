"""Pages of the risk app: heatmap."""

urlpatterns = []
