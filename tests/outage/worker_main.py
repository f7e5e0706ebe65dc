"""Entry point of the outage suite's Celery processes: ``celery`` on the test's clock.

``OUTAGE_CLOCK_FILE`` holds the offset (seconds) between the test's clock and the real one; the
process travels there at start (time-machine, ticking) and follows every change the test writes,
so that "the worker was down 30 minutes" takes no 30 minutes. Without the variable: plain celery.
Only the process that started follows later changes: use ``--pool=solo`` with a moving clock
(prefork children would keep the offset they were forked with).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import threading
import time

import time_machine


def _offset(path: str) -> float:
    try:
        with open(path) as file:
            return float(file.read().strip() or 0)
    except (OSError, ValueError):
        return 0.0


def follow_clock(path: str) -> None:
    real_now = time.time()  # not travelling yet
    offset = _offset(path)
    traveller = time_machine.travel(
        dt.datetime.fromtimestamp(real_now + offset, dt.UTC), tick=True
    ).start()

    def watch():
        current = offset
        while True:
            time.sleep(0.1)  # time-machine does not patch sleep
            wanted = _offset(path)
            if wanted != current:
                traveller.shift(wanted - current)
                current = wanted

    threading.Thread(target=watch, name="outage-clock", daemon=True).start()


def main() -> None:
    if os.environ.get("OUTAGE_CLOCK_FILE"):
        follow_clock(os.environ["OUTAGE_CLOCK_FILE"])
    from celery.__main__ import main as celery

    sys.argv = ["celery", *sys.argv[1:]]
    celery()


if __name__ == "__main__":
    main()
