"""Settings come from the environment and the ``.env`` file alike: a data folder set in the file is used."""

import json
import os
import subprocess
import sys

from tests.dpms.production import ROOT

# Prints where the settings put the data folder and what lives in it.
_WHERE = """
import json
from django.conf import settings
print(json.dumps({
    "data_dir": str(settings.DATA_DIR),
    "database": str(settings.DATABASES["default"]["NAME"]),
    "broker": settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"],
}))
"""


def where(tmp_path, env_file_text: str, **environment) -> dict:
    env_file = tmp_path / "settings.env"
    env_file.write_text(env_file_text)
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DPMS_", "DATABASE_URL"))}
    env.pop("REDIS_URL", None)
    env.update({"DJANGO_SETTINGS_MODULE": "dpms.settings", "DPMS_ENV_FILE": str(env_file), **environment})
    result = subprocess.run(  # noqa: S603 - our own interpreter, fixed arguments
        [sys.executable, "-c", _WHERE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_data_folder_set_in_the_env_file_holds_the_database_and_the_broker(tmp_path):
    folder = tmp_path / "from-the-file"
    found = where(tmp_path, f"DEBUG=true\nDPMS_DATA_DIR={folder}\n")
    assert found["data_dir"] == str(folder)
    assert found["database"] == str(folder / "dpms.sqlite3")
    assert found["broker"].startswith(str(folder))
    assert folder.is_dir()


def test_the_real_environment_wins_over_the_env_file(tmp_path):
    chosen = tmp_path / "from-the-environment"
    in_the_file = f"DEBUG=true\nDPMS_DATA_DIR={tmp_path / 'from-the-file'}\n"
    found = where(tmp_path, in_the_file, DPMS_DATA_DIR=str(chosen))
    assert found["data_dir"] == str(chosen)
    assert found["database"] == str(chosen / "dpms.sqlite3")
