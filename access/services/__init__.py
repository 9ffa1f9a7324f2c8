"""Business actions of the access app, one module per area (grants, imports, requests, campaigns, reviews,
closing, revocations, movers). Each action is keyword-only, atomic, audited; follow-up work goes to Celery
with ``transaction.on_commit``."""
