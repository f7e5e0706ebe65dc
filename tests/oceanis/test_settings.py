"""Importing the settings has no side effect; a starting process prepares what it needs on disk.

Each case runs a fresh interpreter from an empty working directory, with an empty HOME and
OCEANIS_VAR_DIR naming a directory that does not exist yet.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from oceanis.apps import write_dev_secret

ROOT = Path(__file__).resolve().parents[2]
# What the machine running the tests may set and would change the outcome.
LOCAL = {"DEBUG", "SECRET_KEY", "DATABASE_URL", "MEDIA_ROOT", "CELERY_BROKER_URL", "EMAIL_URL"}


def _run(tmp_path: Path, code: str, *args: str, **variables: str) -> str:
    home, cwd = tmp_path / "home", tmp_path / "cwd"
    home.mkdir(exist_ok=True)
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in LOCAL and not k.startswith("OCEANIS")}
    env.update(
        HOME=str(home),
        OCEANIS_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="oceanis.settings",
        PYTHONPATH=str(ROOT),
        PYTHONDONTWRITEBYTECODE="1",
        **variables,
    )
    command = [sys.executable, "-c", code] if code else [sys.executable, *args]
    result = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def _files(tmp_path: Path) -> list[str]:
    return sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*"))


IMPORT = "import oceanis.settings as s; print(len(s.SECRET_KEY) >= 50)"


@pytest.mark.parametrize(
    "variables",
    [
        {},  # embedded: SQLite under var/, development secret
        {"DEBUG": "false", "SECRET_KEY": "x" * 50, "DATABASE_URL": "postgres://u@db:5432/o"},
    ],
    ids=["embedded", "production"],
)
def test_importing_the_settings_creates_no_directory_and_writes_no_file(tmp_path, variables):
    assert _run(tmp_path, IMPORT, **variables) == "True"
    assert _files(tmp_path) == ["cwd", "home"]


def test_a_starting_process_creates_the_embedded_var_dir_and_keeps_one_secret(tmp_path):
    setup = (
        "import django; django.setup()\n"
        "from django.conf import settings\n"
        "from django.db import connection\n"
        "connection.ensure_connection()\n"  # SQLite creates the file, not its directory
        "print(settings.SECRET_KEY)\n"
    )
    first = _run(tmp_path, setup)
    var = tmp_path / "var"
    assert (var / "oceanis.sqlite3").is_file() and (var / "static").is_dir()
    secret = (var / "dev_secret_key").read_text()
    assert len(secret) >= 50
    assert stat.S_IMODE((var / "dev_secret_key").stat().st_mode) == 0o600
    # The first process ran with its own key; every later one reads the kept secret.
    assert first != secret
    assert _run(tmp_path, setup) == _run(tmp_path, setup) == secret
    assert (var / "dev_secret_key").read_text() == secret


def test_manage_py_check_passes_from_a_clean_var_dir(tmp_path):
    _run(tmp_path, "", str(ROOT / "manage.py"), "check")
    assert (tmp_path / "var" / "dev_secret_key").is_file()


def test_a_secret_from_the_environment_is_never_written(tmp_path):
    setup = (
        "import django; django.setup(); from django.conf import settings as s; print(s.SECRET_KEY)"
    )
    assert _run(tmp_path, setup, SECRET_KEY="s" * 50) == "s" * 50
    assert not (tmp_path / "var" / "dev_secret_key").exists()


def test_an_existing_development_secret_is_never_replaced(tmp_path):
    path = tmp_path / "var" / "dev_secret_key"
    write_dev_secret(path)
    first = path.read_text()
    write_dev_secret(path)
    assert path.read_text() == first and len(first) >= 50
