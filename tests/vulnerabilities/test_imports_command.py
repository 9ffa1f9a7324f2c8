"""``manage.py import_scan`` for CI pipelines: exit status 0 when the scan was imported, non-zero with every
problem printed when nothing was."""

import io

import pytest
from django.core.management import CommandError, call_command

from dpms.models import AuditEvent
from tests.access.factories import SystemFactory
from tests.vulnerabilities.imports_support import SAMPLES
from vulnerabilities.models import Vulnerability

pytestmark = pytest.mark.django_db


@pytest.fixture
def payroll(staff):
    return SystemFactory(name="Payroll", owner=staff)


def command(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_scan", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_a_clean_scan_is_imported_and_said_so(payroll):
    out, _err = command("--system", "Payroll", "--format", "trivy", str(SAMPLES / "trivy.json"))
    assert "3 new, 0 unchanged" in out
    assert Vulnerability.objects.filter(system=payroll).count() == 3
    event = AuditEvent.objects.get(action="vulnerabilities.scan_import.apply")
    assert (event.source, event.actor_id) == ("cli", None)


def test_the_system_may_come_from_the_file(payroll):
    out, _err = command(str(SAMPLES / "cyclonedx-vex.json"), "--full")  # its component is "Payroll"
    assert "into Payroll" in out


def test_problems_give_a_non_zero_exit_and_are_printed(payroll):
    bad = SAMPLES / "trivy.json"
    with pytest.raises(CommandError) as refused:
        command("--system", "Payroll", "--format", "grype", str(bad))
    assert refused.value.returncode == 1
    assert "nothing was imported" in str(refused.value)
    assert not Vulnerability.objects.exists()


def test_problems_are_listed_on_stderr(payroll, tmp_path):
    broken = tmp_path / "scan.json"
    broken.write_bytes((SAMPLES / "trivy.json").read_bytes().replace(b'"MEDIUM"', b'"SEVERE"'))
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_scan", "--system", "Payroll", str(broken), stdout=io.StringIO(), stderr=err)
    assert "Results[0].Vulnerabilities[1]: Unknown severity “SEVERE”" in err.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--system", "Nope", "trivy.json"], "No system named 'Nope'"),
        (["--system", "Payroll", "missing.json"], "No file"),
    ],
)
def test_a_wrong_system_or_file_is_refused(payroll, args, message):
    args = [str(SAMPLES / arg) if arg.endswith(".json") else arg for arg in args]
    with pytest.raises(CommandError, match=message):
        command(*args)
