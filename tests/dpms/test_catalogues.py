"""Every app's German catalogue is complete and up to date: ``manage.py messages --check`` reports nothing.

One test per catalogue, each failing with what is missing there (a marked string not in the catalogue, an
entry without German or marked fuzzy, a .mo that no longer matches its .po). A machine without GNU gettext
(xgettext, msgfmt) cannot extract the strings: the tests are skipped there and say why; CI has gettext.
"""

import shutil

import pytest
from django.core.management import CommandError, call_command

from dpms.management.commands.messages import CATALOGUES

pytestmark = pytest.mark.skipif(
    shutil.which("xgettext") is None or shutil.which("msgfmt") is None,
    reason="GNU gettext (xgettext, msgfmt) is not installed: the catalogues cannot be checked here",
)


@pytest.mark.parametrize("app", sorted(CATALOGUES))
def test_the_catalogue_is_complete_and_up_to_date(app):
    try:
        call_command("messages", "--check", "--app", app, verbosity=0)
    except CommandError as problems:
        pytest.fail(str(problems), pytrace=False)
