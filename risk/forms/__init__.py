"""Forms of the risk app, one module per area: fields, choices and parsing; no reads beyond choices."""
