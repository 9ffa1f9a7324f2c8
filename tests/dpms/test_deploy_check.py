"""Django's deployment check passes under production settings, and a missing secret stops start-up."""

import re
from pathlib import Path

from tests.dpms import production

MAKEFILE = Path(production.ROOT, "Makefile")


def test_check_deploy_passes_under_production_settings():
    result = production.run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_on_a_weak_secret_key():
    result = production.run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], SECRET_KEY="too-short"
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stdout + result.stderr


def test_check_deploy_warns_when_audit_checkpoints_are_not_signed():
    result = production.run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], AUDIT_CHECKPOINT_KEY=""
    )
    assert result.returncode != 0
    assert "dpms.W001" in result.stdout + result.stderr
    assert "AUDIT_CHECKPOINT_KEY is not set" in result.stdout + result.stderr


def test_check_deploy_warns_of_a_short_checkpoint_key():
    result = production.run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], AUDIT_CHECKPOINT_KEY="short"
    )
    assert result.returncode != 0
    assert "dpms.W002" in result.stdout + result.stderr


def test_production_without_secret_key_refuses_to_start():
    result = production.run(["manage.py", "check"], SECRET_KEY="")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_makefile_check_deploy_runs_the_same_check():
    target = re.search(r"^check-deploy:.*?(?=^\S|\Z)", MAKEFILE.read_text(), re.MULTILINE | re.DOTALL).group(
        0
    )
    assert "DEBUG=false" in target
    assert "ALLOWED_HOSTS=dpms.example.com" in target
    assert "AUDIT_CHECKPOINT_KEY=" in target
    assert "manage.py check --deploy --fail-level WARNING" in target
