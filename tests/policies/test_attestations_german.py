"""A German-speaking member of staff reads and acknowledges a policy: My policies, the policy's page, the
assignment page and their history are in German, and the follow-up a "no" opens is told in German."""

import pytest
from django.urls import reverse
from django.utils import translation

from dpms.models import Notification
from policies.choices import QuestionKind
from tests.i18n import sign_in_german, speaks_german, untranslated
from tests.policies.factories import (
    AssignmentFactory,
    CampaignFactory,
    PolicyFactory,
    PolicyVersionFactory,
    QuestionFactory,
)

pytestmark = pytest.mark.django_db
TITLE = "Arbeitsplatzsicherheit"
BODY = "# Laptops\n\nDie Festplatte ist verschlüsselt.\n"
QUESTION = "Die Festplatte meines Arbeitsrechners ist verschlüsselt."


@pytest.fixture(autouse=True)
def back_to_english(settings):
    """A German request leaves German active on the thread: the next test starts in the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def assignment(security_officer, staff):
    policy = PolicyFactory(title=TITLE, owner=security_officer, summary="")
    campaign = CampaignFactory(version=PolicyVersionFactory(policy=policy, body=BODY), name="Jahresrunde")
    QuestionFactory(policy=None, campaign=campaign, text=QUESTION)
    QuestionFactory(
        policy=None, campaign=campaign, text="Seriennummer", kind=QuestionKind.TEXT, required=False
    )
    return AssignmentFactory(campaign=campaign, person=staff)


def test_a_person_s_pages_are_in_german(client, staff, manager, security_officer, assignment):
    speaks_german(manager)
    signed_in = sign_in_german(client, staff)
    seen = [staff.full_name, security_officer.full_name, TITLE, "Jahresrunde", QUESTION, "Laptops"]

    mine = signed_in.get(reverse("policies:mine")).content.decode()
    assert "Zu lesen und zur Kenntnis zu nehmen" in mine
    assert untranslated(mine, ignore=seen) == []

    url = reverse("policies:assignment", args=[assignment.pk])
    page = signed_in.get(url).content.decode()
    assert "Gelesen und zur Kenntnis genommen" in page
    assert untranslated(page, ignore=seen) == []

    question = assignment.campaign.questions.get(text=QUESTION)
    refused = signed_in.post(url, {f"q{question.pk}": "no"}).content.decode()
    assert "Begründen Sie Ihr „Nein“" in refused

    signed_in.post(url, {f"q{question.pk}": "no", f"q{question.pk}_explanation": "Die IT schaltet sie ein."})
    history = signed_in.get(reverse("policies:my_history")).content.decode()
    assert "Nachverfolgung offen, fällig am" in history
    assert untranslated(history, ignore=[*seen, "Die IT schaltet sie ein."]) == []

    told = Notification.objects.get(recipient=manager)
    assert "mit Nein geantwortet" in told.subject


def test_the_library_and_the_policy_page_are_in_german(client, staff, assignment):
    signed_in = sign_in_german(client, staff)
    seen = [staff.full_name, TITLE, "Laptops", "What everyone must do.", "First version."]
    library = signed_in.get(reverse("policies:library")).content.decode()
    assert "Richtlinienbibliothek" in library
    assert untranslated(library, ignore=seen) == []
    policy = signed_in.get(reverse("policies:policy", args=[assignment.campaign.policy_id])).content.decode()
    assert "Fassungen" in policy
    assert untranslated(policy, ignore=seen) == []


def test_an_acknowledgement_reads_as_one_not_as_an_incident_taken_on(client, staff, assignment):
    # Other catalogues translate "Acknowledged" for an incident ("Übernommen"); the policies' words have
    # their own context, so a German reader sees that they took note of the policy.
    signed_in = sign_in_german(client, staff)
    question = assignment.campaign.questions.get(text=QUESTION)
    url = reverse("policies:assignment", args=[assignment.pk])
    signed_in.post(url, {f"q{question.pk}": "yes"})
    for page in (reverse("policies:mine"), reverse("policies:my_history"), reverse("policies:library")):
        html = signed_in.get(page).content.decode()
        assert "Zur Kenntnis genommen" in html, page
        assert "Übernommen" not in html, page
    history = signed_in.get(reverse("policies:my_history")).content.decode()
    assert '<th scope="col">Fassung</th>' in history
