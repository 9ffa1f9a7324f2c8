"""Business actions of the risk app, one module per area: register, matrices, actions, acceptances,
reviews."""
