"""German words of the incident pages that other catalogues translate in another sense: the share button
says "Freigeben" (to share), not "Anteil" (a share of a whole); My incidents offers "Alle anzeigen"."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.i18n import sign_in_german
from tests.incidents.breach_support import make_breach
from tests.incidents.factories import IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_to_english(settings):
    """A German request leaves German active on the thread: the next test starts in the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_the_share_button_reads_freigeben_in_german(client, security_officer):
    incident = make_breach(security_officer, title="Kundenliste an falsche Adresse")
    signed_in = sign_in_german(client, security_officer)
    page = signed_in.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert '<button type="submit" class="secondary">Freigeben</button>' in page
    assert "Anteil" not in page


def test_my_incidents_filtered_offers_alle_anzeigen(client, staff):
    # The Django admin's catalogue says "Zeige alle" for the bare "Show all"; the incidents' own has context.
    IncidentFactory(reported_by=staff)
    signed_in = sign_in_german(client, staff)
    page = signed_in.get(reverse("incidents:mine"), {"status": "reported"}).content.decode()
    assert "Alle anzeigen</a>" in page
    assert "Zeige alle" not in page
