"""Background work yields the CPU to the web: the embedded runner and the Celery worker (main
process and every pool child) run at ``BACKGROUND_NICENESS``."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BROKER = os.environ.get("CELERY_TEST_BROKER_URL", "")


def niceness(pid: int) -> int:
    return os.getpriority(os.PRIO_PROCESS, pid)


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


@pytest.fixture
def background_env():
    var = Path(tempfile.mkdtemp(prefix="oceanis-nice-"))
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "DATABASE_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="oceanis.settings",
        OCEANIS_VAR_DIR=str(var),
        BACKGROUND_NICENESS="7",
    )
    yield env
    shutil.rmtree(var, ignore_errors=True)


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def test_the_embedded_runner_runs_below_the_web(background_env):
    process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "run_schedule"],
        cwd=ROOT,
        env=background_env,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Periodic jobs" in process.stdout.readline()
        assert niceness(process.pid) == 7
    finally:
        stop(process)


def test_an_operators_own_lower_priority_is_kept(background_env):
    script = "import django; django.setup(); from oceanis.niceness import lower_priority; "
    script += "print(lower_priority())"
    out = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-c", script],
        preexec_fn=lambda: os.nice(12),  # as `nice -n 12` would start it  # noqa: PLW1509
        cwd=ROOT,
        env=background_env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert out.stdout.split() == ["12"]


def test_zero_leaves_the_priority_alone(settings):
    from oceanis.niceness import lower_priority

    settings.BACKGROUND_NICENESS = 0
    before = niceness(0)
    assert lower_priority() == before == niceness(0)


@pytest.mark.skipif(not BROKER, reason="CELERY_TEST_BROKER_URL is not set: no real broker")
def test_a_celery_worker_and_its_pool_run_below_the_web(background_env):
    background_env["CELERY_BROKER_URL"] = BROKER
    worker = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "-m", "celery", "-A", "oceanis", "worker", "-c", "2", "-l", "warning",
         "--without-mingle", "--without-gossip", "--without-heartbeat"],
        cwd=ROOT,
        env=background_env,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while len(children(worker.pid)) < 2 and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker exited"
            time.sleep(0.2)
        pool = children(worker.pid)
        assert len(pool) >= 2
        assert [niceness(pid) for pid in [worker.pid, *pool]] == [7] * (1 + len(pool))
    finally:
        stop(worker)
