"""Background processes yield the CPU to the web processes (``BACKGROUND_NICENESS``)."""

from __future__ import annotations

import logging
import os

from django.conf import settings

logger = logging.getLogger(__name__)


def lower_priority() -> int:
    """Raise this process's nice level to ``BACKGROUND_NICENESS`` (never lower it: an operator's
    own ``nice`` stays); the level now in force is returned. Children forked afterwards (Celery's
    pool) inherit it."""
    wanted = settings.BACKGROUND_NICENESS
    current = os.getpriority(os.PRIO_PROCESS, 0)
    if wanted > current:
        try:
            current = os.nice(wanted - current)
        except OSError:  # a sandbox forbidding it: run at the normal level rather than not run
            logger.warning("Could not lower the background priority to nice %s", wanted)
    return current
