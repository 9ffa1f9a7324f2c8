"""The vulnerabilities app's endpoints under /api/v1/ (``vulnerabilities/`` and ``components/``), one
module per area (as ``vulnerabilities/views/``), over the same services, queries and forms as the pages.
What they share with the other apps' endpoints is in ``dpms.api.pages``: choice fields listed inline in the
schema, objects fetched through the pages' access helpers, and list filters validated by the pages' own filter
forms."""
