"""`make run` starts the periodic jobs beside the server and stops both together.

The real recipe runs with the server replaced by a stand-in (runserver itself is Django's), the
scheduler being the real ``manage.py run_schedule`` on a private var directory. The make process
runs in its own session, as a terminal's foreground job, so "Ctrl+C" is SIGINT to its group.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCHEDULE_LINE = "Periodic jobs: the "
MAKE, PS = shutil.which("make"), shutil.which("ps")

pytestmark = pytest.mark.skipif(not (MAKE and PS), reason="make or ps is not installed")

FAKE_PYTHON = """#!/bin/sh
case "$*" in
  *runserver*)
    echo "stand-in server: $*"
    if [ "$FAKE_SERVER" = exit ]; then
      # Like a busy port: the server gives up once the scheduler is up.
      while [ ! -s "$OCEANIS_VAR_DIR/run_schedule.lock" ]; do sleep 0.1; done
      exit 1
    fi
    exec sleep 600;;
esac
exec "{python}" "$@"
"""


def dry_run(*args: str) -> str:
    return subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [MAKE, "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_the_run_target_starts_the_scheduler_beside_the_server():
    recipe = dry_run()
    assert "manage.py run_schedule &" in recipe
    assert "manage.py runserver 127.0.0.1:8000" in recipe


def test_the_run_target_serves_and_prints_the_urls_on_the_given_port():
    recipe = dry_run("PORT=8123")
    assert "manage.py runserver 127.0.0.1:8123" in recipe
    assert "http://127.0.0.1:8123/" in recipe and "http://127.0.0.1:8123/extranet/" in recipe
    assert ":8000" not in recipe


class MakeRun:
    """``make run`` with the stand-in server, its output read line by line in a thread."""

    def __init__(self, tmp_path: Path, **env: str):
        bin_dir = tmp_path / "bin"
        bin_dir.mkdir()
        fake = bin_dir / "python"
        fake.write_text(FAKE_PYTHON.format(python=sys.executable))
        fake.chmod(0o755)
        self.env = {
            **{k: v for k, v in os.environ.items() if k != "CELERY_BROKER_URL"},
            "OCEANIS_VAR_DIR": str(tmp_path / "var"),
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            **env,
        }
        self.process = subprocess.Popen(  # noqa: S603 - fixed arguments, no shell
            # -o seed: the recipe only, without migrating and seeding a database.
            [MAKE, "--no-print-directory", "-o", "seed", "run", f"BIN={bin_dir}", "PORT=8123"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.process.stdout:
            self.lines.put(line)

    def wait_for(self, text: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.2)
            except queue.Empty:
                continue
            self.output.append(line)
            if text in line:
                return line
        raise AssertionError(f"{text!r} never printed; output: {''.join(self.output)}")

    def session_processes(self) -> list[int]:
        listing = subprocess.run([PS, "-A", "-o", "pid="], capture_output=True, text=True)  # noqa: S603
        alive = []
        for pid in map(int, listing.stdout.split()):
            try:
                if os.getsid(pid) == self.process.pid:
                    alive.append(pid)
            except OSError:  # gone meanwhile
                continue
        return [pid for pid in alive if not _is_zombie(pid)]

    def assert_all_gone(self, timeout: float = 15):
        self.process.wait(timeout=timeout)
        deadline = time.monotonic() + timeout
        while self.session_processes() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert self.session_processes() == [], "processes left behind by make run"

    def kill(self):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


def _is_zombie(pid: int) -> bool:
    stat = subprocess.run([PS, "-o", "stat=", "-p", str(pid)], capture_output=True, text=True)  # noqa: S603
    return stat.stdout.strip().startswith("Z") or not stat.stdout.strip()


@pytest.fixture
def make_run(tmp_path):
    runs = []

    def start(**env):
        run = MakeRun(tmp_path, **env)
        runs.append(run)
        return run

    yield start
    for run in runs:
        run.kill()


def test_ctrl_c_stops_the_server_and_the_scheduler(make_run):
    run = make_run()
    run.wait_for(SCHEDULE_LINE)
    assert len(run.session_processes()) >= 4  # make, its shell, the scheduler, the server
    os.killpg(run.process.pid, signal.SIGINT)
    run.assert_all_gone()


def test_terminating_make_stops_the_server_and_the_scheduler(make_run):
    run = make_run()
    run.wait_for(SCHEDULE_LINE)
    os.kill(run.process.pid, signal.SIGTERM)  # an IDE's stop button, a process manager
    run.assert_all_gone()


def test_the_scheduler_stops_when_the_server_exits_on_its_own(make_run):
    run = make_run(FAKE_SERVER="exit")
    run.assert_all_gone()
    assert run.process.returncode != 0


def test_a_second_scheduler_is_refused_while_make_run_runs(make_run):
    run = make_run()
    run.wait_for(SCHEDULE_LINE)
    second = subprocess.run(  # noqa: S603 - fixed arguments, no shell
        [sys.executable, "manage.py", "run_schedule"],
        cwd=ROOT,
        env=run.env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert second.returncode == 1
    assert "already run in process" in second.stderr
    assert SCHEDULE_LINE not in second.stdout


def test_the_scheduler_does_not_outlive_a_killed_make(make_run, tmp_path):
    run = make_run()
    run.wait_for(SCHEDULE_LINE)
    scheduler = int((tmp_path / "var" / "run_schedule.lock").read_text())
    shell = _parent_of(scheduler)
    # kill -9: no trap runs; the scheduler notices it was orphaned.
    os.kill(shell, signal.SIGKILL)
    os.kill(run.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 15
    while _alive(scheduler) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(scheduler)


def _parent_of(pid: int) -> int:
    ps = subprocess.run([PS, "-o", "ppid=", "-p", str(pid)], capture_output=True, text=True)  # noqa: S603
    return int(ps.stdout)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return not _is_zombie(pid)
