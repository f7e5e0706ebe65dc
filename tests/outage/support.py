"""Real processes for the outage suite: a Redis server, Celery workers, an SMTP sink and an HTTP
sink, all on loopback with free ports, each stopped by the test that started it (by PID)."""

from __future__ import annotations

import asyncio
import email
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from aiosmtpd.controller import Controller

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")


class RedisServer:
    """``redis-server`` with append-only persistence, as docker-compose.yml runs it: a restart
    keeps the queues, a flush loses them."""

    def __init__(self, workdir: Path):
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.dir = workdir / "redis"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            [
                self.binary,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--dir", str(self.dir),
                "--daemonize", "no",
            ],
            stdout=open(self.dir / "redis.log", "ab"),  # noqa: SIM115 - closed with the process
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_until(self.ping, timeout=10, what=f"redis on port {self.port}")

    def ping(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=20)
            self.process.stdout and self.process.stdout.close()
            self.process = None

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def flush(self) -> None:
        import redis

        redis.Redis(port=self.port).flushall()


class Worker:
    """``celery -A oceanis worker`` in a subprocess against the test database and broker."""

    def __init__(self, env: dict, log: Path, *, pool: str = "solo", name: str = "outage"):
        self.env, self.log_path, self.pool, self.name = env, log, pool, name
        self.process: subprocess.Popen | None = None
        self._log_file = None

    def start(self) -> Worker:
        self._log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()/kill()
        started_at = self.log_path.stat().st_size
        args = [sys.executable, "-m", "tests.outage.worker_main", "-A", "oceanis", "worker"]
        args += [f"--pool={self.pool}", "--loglevel=INFO", "--without-mingle", "--without-gossip"]
        args += ["-n", f"{self.name}-{os.getpid()}@%h"]
        if self.pool == "prefork":
            args.append("--concurrency=2")  # as docker-compose.yml runs it
        self.process = subprocess.Popen(  # noqa: S603 - our own argv, no shell
            args, cwd=ROOT, env=self.env, stdout=self._log_file, stderr=subprocess.STDOUT
        )
        wait_until(
            lambda: " ready." in self.log()[started_at:] or not self.alive(),
            timeout=60,
            what="the worker to be ready",
        )
        assert self.alive(), self.tail()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def tail(self, lines: int = 60) -> str:
        return "\n".join(self.log().splitlines()[-lines:])

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), as docker and systemd stop a worker."""
        if self.alive():
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._close()

    def kill(self) -> None:
        """SIGKILL: the OOM killer, a host crash. Nothing is cleaned up."""
        if self.alive():
            self.process.kill()
            self.process.wait()
        self._close()

    def _close(self) -> None:
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


class _SmtpHandler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content or envelope.content)
        with self.sink.lock:
            self.sink.messages.append((message["Message-ID"], envelope.rcpt_tos, message))
        # Stalled after the message is stored and before it is acknowledged: the worst moment
        # for the sender to die (the mail is out, the sender does not know it).
        while self.sink.stall.is_set():
            await asyncio.sleep(0.05)
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server on loopback; ``down()`` closes the port (connections refused)."""

    def __init__(self):
        self.port = free_port()
        self.messages: list[tuple[str, list[str], email.message.Message]] = []
        self.lock = threading.Lock()
        self.stall = threading.Event()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def up(self) -> None:
        self.controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def down(self) -> None:
        self.stall.clear()
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def message_ids(self) -> Counter:
        with self.lock:
            return Counter(message_id for message_id, _to, _m in self.messages)


class HttpSink:
    """Records every POST (webhooks, SMS and voice gateways) and answers 200."""

    def __init__(self):
        self.requests: list[tuple[str, dict, bytes]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                sink.requests.append((self.path, dict(self.headers), body))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def header_counts(self, path: str, header: str) -> Counter:
        return Counter(h.get(header) for p, h, _b in list(self.requests) if p == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
