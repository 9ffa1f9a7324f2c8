"""The policies app's api, one module per area."""
