"""Embedded mode (no broker): committed work leaves the request for ``run_schedule``.

Without a broker Celery runs tasks eagerly, so a ticket created through the web or the API used
to render and send its mails, derive staff notices, check on-call and fan webhooks out before
answering (31 statements, most of the request's time). ``make run`` already runs
``manage.py run_schedule`` beside the server; it also listens on a local datagram socket in the
var directory, and a request hands it the task (its name and the event id) after the commit.

Nothing is queued here: the work is described by rows already committed (the ticket event), the
datagram only wakes the runner up, which runs the task at once. If the runner dies with datagrams
unread, each reader's every-minute sweeper picks the events up, as after a lost broker message.
When nobody listens (plain ``runserver``, tests, a management command, a socket left by a runner
killed with -9) or the runner falls behind (its socket buffer is full), the task runs in the
caller as before. With a broker this module only calls ``delay``: production keeps Celery.

The socket's name carries a digest of the database settings, so that a process on another
database (the test suite beside ``make run``) never hands its events to this runner.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

from celery import Celery
from django.conf import settings
from django.db import close_old_connections, connection

from oceanis.schedule import RUN_LOCK

logger = logging.getLogger(__name__)

# What a request may hand over: the readers of committed ticket events. Anything else arriving
# on the socket is refused (the socket is the user's own, mode 600, but it is not an RPC).
TASKS = frozenset({"tickets.tasks.announce_event"})
MAX_DATAGRAM = 4096
# A socket path must fit sockaddr_un (108 bytes on Linux, 104 on macOS): longer, no hand-off.
MAX_PATH = 100
POLL_SECONDS = 0.5  # how soon the listener notices a stop request

_sender: socket.socket | None = None
_sender_lock = threading.Lock()


def socket_path() -> Path:
    """The listener's address for this var directory and this database."""
    db = connection.settings_dict
    identity = f"{connection.vendor}|{db.get('HOST')}|{db.get('PORT')}|{db.get('NAME')}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:12]
    return Path(settings.VAR_DIR) / f"handoff-{digest}.sock"


def delay(task, *args) -> None:
    """``task.delay(*args)``, except in embedded mode with a runner listening: handed to it.

    Raises like ``delay`` does (a broker failure), so callers keep their own error handling.
    """
    if settings.CELERY_TASK_ALWAYS_EAGER and hand_off(task.name, args):
        return
    task.delay(*args)


def hand_off(name: str, args: tuple) -> bool:
    """Send the task to the runner; False when it is not there (or too busy to take it)."""
    path = str(socket_path())
    if len(path) > MAX_PATH:
        return False
    payload = json.dumps({"task": name, "args": list(args)}).encode()
    try:
        _socket().sendto(payload, path)
    except OSError:
        # FileNotFoundError / ConnectionRefusedError: no runner; BlockingIOError: its buffer is
        # full, so it is behind and the caller does the work itself (back-pressure, not loss).
        return False
    return True


def _socket() -> socket.socket:
    global _sender
    with _sender_lock:
        if _sender is None:
            sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sender.setblocking(False)
            _sender = sender
        return _sender


class Listener:
    """The runner's side: receives hand-offs and runs each task in this process, in order."""

    def __init__(self, app: Celery, path: Path | None = None):
        for name in TASKS:  # registered by importing their module
            importlib.import_module(name.rsplit(".", 1)[0])
        self.app = app
        self.path = path or socket_path()
        self.handled = 0
        self._sock: socket.socket | None = None

    def bind(self) -> bool:
        """Listen; False (logged) when the path cannot hold a socket. The caller holds the
        schedule lock, so a file already there was left by a dead runner and is replaced."""
        if len(str(self.path)) > MAX_PATH:
            logger.warning(
                "Var directory path too long for a socket (%s): requests do the work themselves",
                self.path,
            )
            return False
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.unlink(missing_ok=True)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        previous = os.umask(0o177)  # created 600: only this user's processes may hand work over
        try:
            sock.bind(str(self.path))
        finally:
            os.umask(previous)
        sock.settimeout(POLL_SECONDS)
        self._sock = sock
        return True

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None
            self.path.unlink(missing_ok=True)

    def serve(self, *, should_stop: Callable[[], bool]) -> None:
        """Run hand-offs as they arrive until ``should_stop``; then close this thread's
        database connection."""
        try:
            while not should_stop():
                self.serve_one()
        finally:
            connection.close()

    def serve_one(self) -> bool:
        """Wait up to ``POLL_SECONDS`` for one hand-off and run it; False when none came."""
        assert self._sock is not None, "bind() first"
        try:
            data = self._sock.recv(MAX_DATAGRAM)
        except (TimeoutError, OSError):  # nothing came, or the socket was closed meanwhile
            return False
        self.run(data)
        return True

    def run(self, data: bytes) -> None:
        try:
            message = json.loads(data)
            name, args = message["task"], list(message["args"])
        except (ValueError, KeyError, TypeError):
            logger.warning("Hand-off ignored: not a task message (%r)", data[:100])
            return
        if name not in TASKS or name not in self.app.tasks:
            logger.warning("Hand-off ignored: %s may not be handed over", name)
            return
        try:
            # Not beside a periodic job of this process (see schedule.RUN_LOCK).
            with RUN_LOCK:
                close_old_connections()
                self.app.tasks[name].apply(args=args, throw=True)
        except Exception:
            # The event stays unprocessed for the failing reader: its sweeper retries it.
            logger.exception("Handed-off task %s%s failed", name, tuple(args))
        finally:
            self.handled += 1
            close_old_connections()

    def start(self, *, should_stop: Callable[[], bool]) -> threading.Thread:
        """Serve in a daemon thread (the periodic jobs keep the main one)."""
        thread = threading.Thread(
            target=self.serve, kwargs={"should_stop": should_stop}, name="handoff", daemon=True
        )
        thread.start()
        return thread
