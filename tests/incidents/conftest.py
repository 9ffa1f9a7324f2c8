"""Shared by the incidents tests."""

import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in the installation's language: a request in German (a German-speaking persona)
    leaves German active on the thread, and English texts would otherwise be asserted in German."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
