"""The incident page runs the same number of queries with 10 and with 100 timeline lines (and several files,
follow-up actions, links and shares)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from guardian.shortcuts import assign_perm

from dpms import portal
from incidents.choices import EventKind, Severity, Status
from incidents.models import IncidentAttachment, PostIncidentReview
from tests.access.factories import SystemFactory
from tests.factories import UserFactory
from tests.incidents.detail_support import incident_at
from tests.incidents.factories import FollowUpActionFactory, IncidentEventFactory
from tests.risk.factories import RiskFactory

pytestmark = pytest.mark.django_db


def grow(incident, officer, count):
    """``count`` more timeline lines by several people, some internal, some carrying a file, plus links,
    follow-ups and shares in proportion."""
    for n in range(count):
        event = IncidentEventFactory(
            incident=incident, actor=UserFactory(), internal=n % 2 == 0, kind=EventKind.COMMENT
        )
        if n % 5 == 0:
            IncidentAttachment.objects.create(
                incident=incident, event=event, file=f"x/{n}", original_name=f"f{n}.pdf",
                content_type="application/pdf", size=10, sha256="0" * 64, internal=n % 2 == 0,
                uploaded_by=event.actor,
            )  # fmt: skip
    for _ in range(count // 10):
        FollowUpActionFactory(incident=incident, owner=UserFactory())
        incident.risks.add(RiskFactory(owner=UserFactory()))
        incident.systems.add(SystemFactory())
        assign_perm("incidents.view_confidential_incident", UserFactory(), incident)


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("persona", ["security_officer", "staff", "auditor"])
def test_the_page_costs_the_same_with_10_and_100_timeline_lines(client_for, personas, persona):
    officer = personas["security_officer"]
    incident = incident_at(
        Status.RESOLVED, reporter=personas["staff"], handler=officer, severity=Severity.SEV1
    )
    PostIncidentReview.objects.create(
        incident=incident,
        held_on=timezone.localdate(),
        participants="Olga",
        actions="Train",
        recorded_by=officer,
    )
    client = client_for(personas[persona])
    url = reverse("incidents:detail", args=[incident.pk])
    grow(incident, officer, 10)
    client.get(url)  # warm caches (content types, the session)
    small = queries(client, url)
    grow(incident, officer, 90)
    large = queries(client, url)
    assert large == small


@pytest.fixture
def own_sections_only(monkeypatch):
    """Pin this page's own queries; the breach and escalation sections pin theirs in their own tests."""
    monkeypatch.setattr(portal, "sections_for", lambda slot: [])


@pytest.mark.parametrize("count", [10, 100])
def test_the_officers_page_runs_21_queries(client_for, personas, count, own_sections_only):
    officer = personas["security_officer"]
    incident = incident_at(Status.RESOLVED, reporter=personas["staff"], handler=officer)
    grow(incident, officer, count)
    client = client_for(officer)
    url = reverse("incidents:detail", args=[incident.pk])
    client.get(url)
    # 21 queries: session and user (2); allauth's user-session tracking (5); the viewer's groups (1); the
    # incident with its people (1); the files (1); the timeline with actors (1); the review (1); systems (1);
    # risks (1); follow-ups with owners (1); shares (1); the header's unread count (1); the people suggested
    # in the handler, share and follow-up forms, read once for the three (1; a resolved incident keeps its
    # severity, not its handler); saving the session (3).
    # The links form offers the linked risks and systems already fetched: no query of the registers.
    assert queries(client, url) == 21


@pytest.mark.parametrize("count", [10, 100])
def test_the_reporters_page_runs_17_queries(client_for, personas, count, own_sections_only):
    officer = personas["security_officer"]
    incident = incident_at(Status.RESOLVED, reporter=personas["staff"], handler=officer)
    grow(incident, officer, count)
    client = client_for(personas["staff"])
    url = reverse("incidents:detail", args=[incident.pk])
    client.get(url)
    # 17 queries: session, user and allauth (7); groups (1); the incident (1); the files (1); the timeline
    # (1); systems (1); risks (1); the unread count (1); saving the session (3).
    assert queries(client, url) == 17
