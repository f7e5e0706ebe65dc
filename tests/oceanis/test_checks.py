"""`make test` runs the suite in parallel (pytest-xdist) and `make lint` type-checks (mypy).

Each xdist worker has a test database of its own; the browser tests, and the outage tests, run
one at a time on one worker (tests/conftest.py puts them in an ``xdist_group``)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import connection

from tests import conftest

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make")


def dry_run(target: str) -> str:
    # -o: the stamps are taken as up to date, so only the target's own recipe is printed.
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [MAKE, "-n", "-o", ".venv/.installed-test", target],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_test_runs_one_worker_per_core_with_the_heavy_tests_grouped():
    assert "-m pytest -n auto --dist loadgroup" in dry_run("test")


@pytest.mark.skipif(MAKE is None, reason="make is not installed")
def test_make_lint_type_checks():
    assert ".venv/bin/mypy" in dry_run("lint")


class FakeItem:
    def __init__(self, *marks: str):
        self.marks = {name: pytest.Mark(name, (), {}) for name in marks}

    def get_closest_marker(self, name):
        return self.marks.get(name)

    def add_marker(self, marker):
        self.marks[marker.name] = marker.mark

    def group(self):
        mark = self.marks.get("xdist_group")
        return mark.args[0] if mark else None


def test_browser_and_outage_tests_are_each_kept_on_one_worker(pytestconfig):
    browser, outage, plain = FakeItem("browser"), FakeItem("outage"), FakeItem("django_db")
    conftest.pytest_collection_modifyitems(pytestconfig, [browser, outage, plain])
    assert (browser.group(), outage.group(), plain.group()) == ("browser", "outage", None)


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("PYTEST_XDIST_WORKER"), reason="not in a pytest-xdist worker"
)
def test_each_worker_has_a_test_database_of_its_own():
    worker = os.environ["PYTEST_XDIST_WORKER"]
    if connection.vendor == "sqlite":
        # An in-memory database, private to the worker's process.
        assert connection.is_in_memory_db()
    else:
        assert connection.settings_dict["NAME"].endswith(f"_{worker}")
