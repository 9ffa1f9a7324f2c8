"""Reads of the risk app: access helpers and querysets, one module per area."""
