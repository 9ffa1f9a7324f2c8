"""Template tags of the risk app."""
