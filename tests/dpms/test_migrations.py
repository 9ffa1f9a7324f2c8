"""The migrations in the repository describe the models: a deploy's ``migrate`` builds the schema the code
expects, on whichever machine made them (a migration that wrote down a local directory, say, showed up as a
change on every other machine)."""

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_lacks_a_migration():
    # The suite runs with its own DPMS_DATA_DIR: a migration holding this checkout's directory fails here.
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)
    except SystemExit as exit_:  # --check exits non-zero naming the changes
        raise AssertionError(f"models changed without a migration:\n{out.getvalue()}") from exit_
    assert "No changes detected" in out.getvalue()
