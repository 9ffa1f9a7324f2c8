"""The dashboard panels: the officers' panel of remediation (open by severity, overdue, median time to
remediate by severity over the last 90 days, and the share fixed within the deadline), and the owners'
"Your vulnerabilities" (their open ones by severity, overdue, the next deadline)."""

from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from vulnerabilities.queries.metrics import owner_metrics, remediation_metrics, sees_metrics


def remediation_panel(request):
    """Dashboard panel for security officers and auditors (two queries); None for anyone else."""
    if not sees_metrics(request.user):
        return None
    return {"metrics": remediation_metrics(timezone.now())}


def _register(**filters) -> str:
    """The register filtered to the viewer's open ones narrowed by ``filters``, soonest deadline first."""
    query = {"mine": "on", "status": "open", **filters, "sort": "due"}
    return f"{reverse('vulnerabilities:register')}?{urlencode(query)}"


def owner_panel(request):
    """Dashboard panel for anyone who owns an open vulnerability or a system with one, officers included
    (the officers' panel counts everyone's; this one is what is theirs to fix). One query for someone who
    owns none (None: not shown), two for an owner."""
    if not (request.user.is_authenticated and request.user.is_active):
        return None
    metrics = owner_metrics(request.user, timezone.now())
    if metrics is None:
        return None
    for row in metrics["by_severity"]:
        row["link"] = _register(severity=row["severity"])
    return {
        **metrics,
        "open_link": _register(),
        "overdue_link": _register(overdue="on"),
        "next_link": reverse("vulnerabilities:vulnerability", args=[metrics["next"].pk])
        if metrics["next"]
        else None,
    }
