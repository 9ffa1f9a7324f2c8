"""A German-speaking security officer shares an incident: the button says "Freigeben" (to share), not the
"Anteil" (a share of a whole) another catalogue gives the bare word "Share"."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.i18n import sign_in_german
from tests.incidents.breach_support import make_breach

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
