"""deploy/'s systemd units: what the README installs and the fault tests start. Each reads /etc/dpms/env, is
restarted when it fails, and starts one script of deploy/ from the installed checkout."""

import configparser
import os
import re

import pytest

from tests.faults.support import DEPLOY, ROOT, unit_command

UNITS = {"dpms-web.service": "web", "dpms-worker@.service": "worker", "dpms-beat.service": "beat"}


def service(unit: str):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DEPLOY / unit)
    return parser["Service"]


@pytest.mark.parametrize(("unit", "script"), sorted(UNITS.items()))
def test_each_unit_runs_its_script_with_the_environment_file_and_restarts_on_failure(unit, script):
    section = service(unit)
    assert section["Restart"] == "on-failure"
    assert section["EnvironmentFile"] == "/etc/dpms/env"
    command = unit_command(unit, "7")
    assert command[0] == str(DEPLOY / script)
    assert os.access(command[0], os.X_OK)


def test_each_worker_instance_is_named_after_it():
    assert unit_command("dpms-worker@.service", "7")[1:] == ["7"]
    assert '--hostname "worker-${1:-1}@%h"' in (DEPLOY / "worker").read_text()


def test_workers_run_without_gossip_mingle_and_heartbeat_as_in_development():
    command = (DEPLOY / "worker").read_text()
    flags = {"--without-gossip", "--without-mingle", "--without-heartbeat"}
    assert flags <= set(re.findall(r"--without-\w+", command))
    assert flags <= set((ROOT / "Procfile.dev").read_text().split())


def test_the_readme_deploys_with_these_units():
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Deploying to production") :]
    section = section[: section.index("\n## ", 1)]
    assert "sudo cp deploy/*.service /etc/systemd/system/" in section
    assert "systemctl enable --now dpms-web dpms-worker@1 dpms-worker@2" in section
    assert "systemctl enable --now dpms-beat" in section
    assert "celery -A dpms worker" not in section  # no hand-written command that could drift from deploy/
