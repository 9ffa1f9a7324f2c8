"""The policies app's queries, one module per area."""
