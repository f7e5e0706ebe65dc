from __future__ import annotations

import os
import secrets
from pathlib import Path

from django.apps import AppConfig
from django.conf import settings


class OceanisConfig(AppConfig):
    name = "oceanis"
    verbose_name = "Oceanis"

    def ready(self) -> None:
        prepare_runtime_files()


def prepare_runtime_files() -> None:
    """What a process needs on disk before it serves, created at start rather than when the
    settings are read (importing them writes nothing, so tools can read them anywhere).

    The SQLite file's directory (SQLite creates the file, not its directory), the static root
    (whitenoise warns at start when it is missing) and, in development without SECRET_KEY, the
    secret kept under var/ so sessions and signed links outlive a restart. The other files
    under var/ (mail, attachments, the scheduler's lock) create their directory when written.
    """
    database = settings.DATABASES["default"]
    name = str(database.get("NAME") or "")
    if (
        database["ENGINE"] == "django.db.backends.sqlite3"
        and name
        and name != ":memory:"
        and not name.startswith("file:")
    ):
        Path(name).parent.mkdir(parents=True, exist_ok=True)
    if settings.STATIC_ROOT:
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)
    if settings.DEV_SECRET_KEY_FILE:
        write_dev_secret(Path(settings.DEV_SECRET_KEY_FILE))


def write_dev_secret(path: Path) -> None:
    """Write a new development secret unless one exists; never replaces it, even when two
    processes start at once (the exclusive create fails for the second)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process wrote it first: theirs is the secret
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
