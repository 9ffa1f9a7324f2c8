"""Models of the access app (filled by its issue)."""
