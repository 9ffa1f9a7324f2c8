"""The vulnerabilities app keeps its tables through its own pages and services: nothing is edited in the
Django admin (an edit there would bypass the audit trail and the workflow)."""
