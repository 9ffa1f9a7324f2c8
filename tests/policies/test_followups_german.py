"""A German-speaking manager and auditor read the officers' side in German: the follow-ups list and a
follow-up's page (with the resolve form), a campaign's list, numbers and teams, who acknowledged a version,
and the dashboard panels; the person is told of the resolution in German."""

import pytest
from django.urls import reverse
from django.utils import translation

from dpms.models import Notification
from policies.choices import AssignmentStatus
from tests.dashboard_support import dashboard_html
from tests.i18n import sign_in_german, speaks_german, untranslated
from tests.policies.factories import AcknowledgementFactory, AssignmentFactory, FollowUpFactory

pytestmark = pytest.mark.django_db
QUESTION = "Die Festplatte meines Arbeitsrechners ist verschlüsselt."
REASON = "Die IT schaltet sie am Freitag ein."


@pytest.fixture(autouse=True)
def back_to_english(settings):
    """A German request leaves German active on the thread: the next test starts in the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def follow_up(staff):
    follow_up = FollowUpFactory(
        answer__assignment__person=staff,
        answer__assignment__campaign__name="Jahresrunde",
        answer__assignment__campaign__version__policy__title="Arbeitsplatzsicherheit",
        answer__question__text=QUESTION,
        answer__explanation=REASON,
    )
    campaign = follow_up.answer.assignment.campaign
    AssignmentFactory(campaign=campaign, status=AssignmentStatus.DONE)
    AcknowledgementFactory(person=staff, version=campaign.version)
    return follow_up


def seen(follow_up, *more):
    person, campaign = follow_up.person, follow_up.answer.assignment.campaign
    return [
        person.full_name,
        person.email,
        "Finance",
        campaign.name,
        campaign.policy.title,
        QUESTION,
        REASON,
        *more,
    ]


def test_the_managers_follow_up_pages_are_in_german(client, follow_up, manager, staff):
    speaks_german(staff)
    signed_in = sign_in_german(client, manager)
    listed = signed_in.get(reverse("policies:follow_ups")).content.decode()
    assert "Nachverfolgungen zu Richtlinien" in listed
    assert untranslated(listed, ignore=seen(follow_up, manager.full_name)) == []
    detail = signed_in.get(reverse("policies:follow_up_detail", args=[follow_up.pk])).content.decode()
    assert "Die Nachverfolgung abschließen" in detail
    assert untranslated(detail, ignore=seen(follow_up, manager.full_name, str(manager))) == []
    signed_in.post(reverse("policies:follow_up_resolve", args=[follow_up.pk]), {"resolution": "Erledigt."})
    told = Notification.objects.get(recipient=staff, dedup_key__startswith="policy-follow-up-resolved:")
    assert "abgeschlossen" in told.subject


def test_the_auditors_campaign_and_evidence_pages_are_in_german(client, follow_up, auditor):
    signed_in = sign_in_german(client, auditor)
    campaign = follow_up.answer.assignment.campaign
    # The menu's "Vulnerabilities" is that app's own catalogue's, being translated apart from this one.
    ignore = seen(follow_up, auditor.full_name, "Vulnerabilities", "First version.")  # and the data
    for url in (
        reverse("policies:campaigns"),
        reverse("policies:campaign_detail", args=[campaign.pk]),
        reverse("policies:campaign_pending", args=[campaign.pk]),
        reverse("policies:version_acknowledgements", args=[campaign.policy_id, campaign.version.number]),
    ):
        page = signed_in.get(url).content.decode()
        assert untranslated(page, ignore=ignore) == [], url
    # The dashboard holds every app's panels: ours are named in German.
    dashboard = dashboard_html(signed_in)
    assert "Richtlinien: Anteil der Kenntnisnahmen" in dashboard
    assert "Offene „Nein“-Antworten" in dashboard
