"""No process of the project waits by sleeping: retries are rows and sweepers, never a sleep in a
worker (a sleeping Celery worker holds its slot and its unacknowledged message)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {"tests", "bench", ".venv", "node_modules", "var"}
SLEEP = re.compile(r"\b(time\.sleep|from time import[^\n]*\bsleep\b)")


def test_no_module_outside_tests_and_bench_sleeps():
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in ROOT.rglob("*.py")
        if not SKIPPED & set(path.relative_to(ROOT).parts)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if SLEEP.search(line)
    ]
    assert offenders == []
