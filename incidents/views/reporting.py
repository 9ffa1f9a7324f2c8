"""Pages of the incidents app: reporting (filled by its owner)."""

urlpatterns = []


def register_portal():
    """Nav links, sub-nav links and dashboard panels of this area (called from IncidentsConfig.ready)."""
