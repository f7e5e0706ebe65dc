"""gunicorn settings read from the working directory (``gunicorn oceanis.wsgi:application``
picks this file up by itself): multi-process Prometheus metrics.

gunicorn answers with several worker processes, each counting its own requests. With
``PROMETHEUS_MULTIPROC_DIR`` prometheus_client writes those counters to per-process files in
one directory and ``/metrics`` adds them up, so every scrape reports the whole server whichever
worker answers it. The variable must be set before the workers import the application: here,
when gunicorn reads its configuration. Only hooks here: the command line decides the rest.
"""

import os
import shutil
import tempfile
from pathlib import Path

# One directory per gunicorn master unless the operator chooses one: two servers sharing a
# directory would add up each other's counters.
_own_dir = not os.environ.get("PROMETHEUS_MULTIPROC_DIR")
_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(
    prefix="oceanis-metrics-"
)
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def on_starting(server):
    # Files left by a previous run of the same directory would be summed with this one's.
    directory = Path(_metrics_dir)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    # A dead worker's counters stay in the sums (counters never go down); this drops what only
    # made sense while it lived (live gauges), as prometheus_client asks.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, _metrics_dir)


def on_exit(server):
    if _own_dir:
        shutil.rmtree(_metrics_dir, ignore_errors=True)
