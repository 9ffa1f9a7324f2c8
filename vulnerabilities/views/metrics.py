"""The officers' dashboard panel of remediation: open by severity, overdue, median time to remediate by
severity over the last 90 days, and the share fixed within the deadline."""

from django.utils import timezone

from vulnerabilities.queries.metrics import remediation_metrics, sees_metrics


def remediation_panel(request):
    """Dashboard panel for security officers and auditors (two queries); None for anyone else."""
    if not sees_metrics(request.user):
        return None
    return {"metrics": remediation_metrics(timezone.now())}
