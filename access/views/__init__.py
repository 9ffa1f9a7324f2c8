"""Pages of the access app, one module per area; each module defines its ``urlpatterns``."""
