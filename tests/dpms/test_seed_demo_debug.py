"""seed_demo builds demo people with a known password: it refuses to run on a production installation
(``DEBUG`` off) unless forced."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from dpms.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_settings(settings, tmp_path):
    settings.DEBUG = True
    settings.DATA_DIR = tmp_path
    settings.SITE_URL = "http://demo.test:8000"
    return settings


def seed(*args):
    out, err = StringIO(), StringIO()
    call_command("seed_demo", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_refuses_to_run_without_debug(demo_settings):
    demo_settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        seed()
    assert not User.objects.people().exists()


def test_runs_without_debug_when_forced(demo_settings):
    demo_settings.DEBUG = False
    seed("--force")
    assert User.objects.people().count() == 60
