"""Pages of the risk app, one module per area; each module defines its ``urlpatterns``."""
