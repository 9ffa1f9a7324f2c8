"""The REST API's foundation (/api/v1/): authentication by session or personal access token, the shared
conventions (problem details, cursor pages, throttles), and the foundation's own endpoints (people, teams,
notifications, the audit trail). Domain apps add theirs in ``<app>/api/<area>.py`` and plug them in through
``dpms.portal`` (``App.api``), the same way as every other extension."""
