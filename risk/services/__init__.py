"""Business actions of the risk app, one module per area (matrices, risks, actions, acceptances, reviews)."""
