"""The incidents app's REST endpoints (/api/v1/incidents/): one module per area, assembled into one viewset
in ``incidents.api.detail``."""
