"""Reads of the access app: access helpers (what a person may see) and querysets, one module per area."""
