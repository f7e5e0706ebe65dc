"""Helpers shared by test packages: racing database writers here, headless Chromium in
``tests.support.browser``."""

from __future__ import annotations

import threading

from django.db import connections

from tests.support.browser import CHROMIUM, requires_chromium  # noqa: F401 - older import path


def run_in_threads(n, target):
    """Start n threads on a barrier so they hit the database together; collect
    ``("ok", result)`` or ``("error", exception)`` per thread."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def worker(i):
        try:
            barrier.wait()
            results[i] = ("ok", target(i))
        except Exception as exc:  # noqa: BLE001 - the test inspects it
            results[i] = ("error", exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return results
