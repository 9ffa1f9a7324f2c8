"""Treatment actions in German are Maßnahmen everywhere: the list's "My actions" filter and the action page's
link back, not the "Meine Aktionen" the Django admin's catalogue gives the bare words."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.i18n import sign_in_german
from tests.risk.factories import RiskFactory, TreatmentActionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def back_to_english(settings):
    """A German request leaves German active on the thread: the next test starts in the default again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_my_actions_reads_meine_massnahmen(client, staff):
    action = TreatmentActionFactory(risk=RiskFactory(owner=staff), owner=staff, title="VPN patchen")
    signed_in = sign_in_german(client, staff)
    for page in (reverse("risk:actions"), reverse("risk:action_detail", args=[action.risk_id, action.pk])):
        html = signed_in.get(page).content.decode()
        assert "Meine Maßnahmen" in html, page
        assert "Meine Aktionen" not in html, page
