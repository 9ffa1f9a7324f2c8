"""The object-level authorization sweep: every persona requests every detail and action endpoint of every
incident, through the API and through the incident page. The API refuses (404 hidden, 403 not allowed)
exactly where the page refuses, and never answers 2xx where the page refuses."""

import pytest
from django.test import Client
from django.urls import reverse

from incidents.choices import Status
from incidents.services.attachments import attachment_add
from tests.dpms.api_support import api_client, token_for
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory
from tests.incidents.reporting_support import PNG, attachments_dir_fixture, upload  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

# (API action, the page's url name doing the same): every POST endpoint on an incident.
ACTIONS = [
    ("triage", "triage"),
    ("dismiss", "dismiss"),
    ("acknowledge", "acknowledge"),
    ("transition", "transition"),
    ("close", "close"),
    ("review", "review"),
    ("severity", "severity"),
    ("handler", "handler"),
    ("category", "category"),
    ("comments", "comment"),
    ("breach-mark", "breach_mark"),
    ("breach-awareness", "breach_awareness"),
    ("breach-authority-notified", "breach_authority_notified"),
    ("breach-authority-not-required", "breach_authority_not_required"),
    ("breach-data-subjects", "breach_subjects"),
    ("breach-facts", "breach_facts"),
    ("breach-nis2-significant", "breach_nis2_significant"),
    ("breach-nis2-report", "breach_nis2_record"),
    ("followups", "followup_add"),
    ("confidential", "confidential"),
    ("share", "share"),
    ("unshare", "unshare"),
    ("links", "links"),
]
# (API read, the page it reads from): every GET endpoint on an incident.
READS = [("detail", "detail"), ("timeline", "detail"), ("comments", "detail"), ("attachments", "detail")]
# Sections of the incident page that it hides from a reporter who has no other part in the incident: their
# endpoints answer 403 to that reporter (the incident is theirs to see, the section is not), 404 to whoever
# may not see the incident.
SECTIONS = ["breach", "escalation", "followups", "shares"]
REFUSALS = (403, 404)


@pytest.fixture
def incidents(staff, second_report, manager, security_officer, outsider, attachments_dir):
    made = {
        "reported": incident_at(Status.REPORTED, reporter=staff, handler=None),
        "handled": incident_at(Status.INVESTIGATING, reporter=staff, handler=manager),
        "confidential": incident_at(
            Status.TRIAGED, reporter=second_report, handler=manager, confidential=True
        ),
        "outsiders": incident_at(Status.TRIAGED, reporter=outsider, handler=security_officer),
    }
    # On each: a file its reporter added, and an internal one of a responder.
    for incident in made.values():
        responder = incident.handler or security_officer
        attachment_add(actor=incident.reported_by, incident=incident, upload=upload("shot.png", PNG))
        attachment_add(actor=responder, incident=incident, upload=upload("log.txt", b"ok\n"), internal=True)
    return made


def _page(user):
    page = Client()
    page.force_login(user, backend="allauth.account.auth_backends.AuthenticationBackend")
    return page


@pytest.mark.parametrize("who", ["staff", "manager", "security_officer", "auditor", "admin", "outsider"])
def test_the_api_refuses_exactly_where_the_page_refuses(who, personas, incidents):
    user = personas[who]
    api, page = api_client(token_for(user, read_only=False)[1]), _page(user)
    mismatches = []
    for key, incident in incidents.items():
        for name, page_name in READS:
            got = api.get(reverse(f"api:incident-{name}", args=[incident.pk])).status_code
            wanted = page.get(reverse(f"incidents:{page_name}", args=[incident.pk])).status_code
            if (got if got in REFUSALS else "ok") != (wanted if wanted in REFUSALS else "ok"):
                mismatches.append(f"GET {name} of {key}: API {got}, page {wanted}")
        page_says = page.get(reverse("incidents:detail", args=[incident.pk]))
        for name in SECTIONS:
            got = api.get(reverse(f"api:incident-{name}", args=[incident.pk])).status_code
            wanted = 404 if page_says.status_code == 404 else 200 if _shows(page_says, name) else 403
            if got != wanted:
                mismatches.append(f"GET {name} of {key}: API {got}, page says {wanted}")
        for name, page_name in ACTIONS:
            # An empty body: where the page lets the person act, both say what is missing (400), or act.
            wanted = page.post(reverse(f"incidents:{page_name}", args=[incident.pk]), {}).status_code
            got = api.post(reverse(f"api:incident-{name}", args=[incident.pk]), {}, format="json").status_code
            if (got if got in REFUSALS else "ok") != (wanted if wanted in REFUSALS else "ok"):
                mismatches.append(f"POST {name} on {key}: API {got}, page {wanted}")
            assert got < 500
        for attachment in incident.attachments.all():
            wanted = page.get(reverse("incidents:attachment", args=[attachment.pk])).status_code
            got = api.get(reverse("api:incident-attachment", args=[incident.pk, attachment.pk])).status_code
            if (got if got in REFUSALS else "ok") != (wanted if wanted in REFUSALS else "ok"):
                mismatches.append(f"GET file {attachment} of {key}: API {got}, page {wanted}")
        # A follow-up action's status, with a valid body: the page checks who may before the form.
        followup = FollowUpActionFactory(incident=incident, owner=incident.handler or incident.reported_by)
        wanted = page.post(
            reverse("incidents:followup_status", args=[incident.pk, followup.pk]), {"status": "in_progress"}
        ).status_code
        got = api.post(
            reverse("api:incident-followup-status", args=[incident.pk, followup.pk]),
            {"status": "in_progress"},
            format="json",
        ).status_code
        if (got if got in REFUSALS else "ok") != (wanted if wanted in REFUSALS else "ok"):
            mismatches.append(f"POST followup status on {key}: API {got}, page {wanted}")
    assert not mismatches, "\n".join(mismatches)


def _shows(response, name: str) -> bool:
    """Whether the incident page shows the section ``name`` (its context as the page built it)."""
    if name == "followups":
        return response.context["sees_internal"]
    if name == "shares":
        return response.context["may_triage"]
    for section in response.context["sections"]:
        context = section["context"]
        if name == "breach" and "breach" in context:
            return context["breach"]["show"]
        if name == "escalation" and "escalation" in context:
            return context["show"]
    return False


def test_an_id_out_of_range_is_a_404(security_officer):
    api = api_client(token_for(security_officer)[1])
    assert api.get("/api/v1/incidents/99999999999999999999999/").status_code == 404
