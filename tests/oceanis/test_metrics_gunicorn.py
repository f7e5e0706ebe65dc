"""/metrics under gunicorn with several workers: every scrape reports the requests of all of
them (prometheus_client's multi-process mode, set up by gunicorn.conf.py)."""

import http.client
import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings

from tests.oceanis.metrics_support import value

ROOT = Path(settings.BASE_DIR)
GUNICORN = Path(sys.executable).with_name("gunicorn")
REQUESTS = 40


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(port: int, path: str) -> tuple[int, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_every_scrape_sums_the_requests_of_all_gunicorn_workers(tmp_path):
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # Left by a previous run of the same directory: gunicorn's start must clear it, or the
    # sums would include it (here: an unreadable file would break every scrape).
    (metrics_dir / "histogram_1.db").write_bytes(b"stale")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "CELERY_BROKER_URL"}}
    env.update(
        OCEANIS_VAR_DIR=str(tmp_path / "var"),
        DEBUG="true",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    port = _free_port()
    log = tmp_path / "gunicorn.log"
    server = subprocess.Popen(  # noqa: S603 - the venv's gunicorn, fixed arguments
        [str(GUNICORN), "oceanis.wsgi", "--workers", "2", "--bind", f"127.0.0.1:{port}"],
        cwd=ROOT,  # where gunicorn finds gunicorn.conf.py by itself
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )
    try:
        for _ in range(150):
            try:
                _get(port, "/metrics")
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("gunicorn did not start: " + log.read_text())
        sent = 0
        for _ in range(10):  # until both workers have answered some (the kernel picks)
            with ThreadPoolExecutor(8) as pool:
                statuses = list(pool.map(lambda _: _get(port, "/healthz")[0], range(REQUESTS)))
            assert statuses == [200] * REQUESTS
            sent += REQUESTS
            pids = {path.stem.split("_")[-1] for path in metrics_dir.glob("histogram_*.db")}
            if len(pids) == 2:
                break
        assert len(pids) == 2, "both workers answered requests (the premise of this test)"
        for _ in range(6):  # whichever worker answers the scrape
            status, text = _get(port, "/metrics")
            assert status == 200
            count = value(
                text,
                "oceanis_http_request_duration_seconds_count",
                view="healthz",
                method="GET",
                status="200",
            )
            assert count == sent
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_without_a_directory_gunicorn_uses_one_of_its_own_and_removes_it_on_exit(tmp_path):
    code = (
        "import os, runpy; conf = runpy.run_path('gunicorn.conf.py'); "
        "path = os.environ['PROMETHEUS_MULTIPROC_DIR']; conf['on_starting'](None); "
        "print(os.path.isdir(path)); conf['on_exit'](None); print(os.path.exists(path))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    out = subprocess.run(  # noqa: S603 - this interpreter, fixed code
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "False"]
