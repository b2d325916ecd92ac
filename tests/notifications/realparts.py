"""Real parts for integration tests: an SMTP server on loopback, Redis DB 14, Celery workers."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

from aiosmtpd.controller import Controller

from config.celery import app

BASE_DIR = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Handler:
    """Records what arrives; can answer 451 a number of times, or pause before answering."""

    refuse: int = 0
    pause: float = 0.0
    received: list[EmailMessage] = field(default_factory=list)
    refused: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    arrived_after: int = 0  # set `arrived` once this many messages are in

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse > 0:
            self.refuse -= 1
            self.refused += 1
            return "451 4.3.0 Try again later"
        self.received.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        if self.arrived_after and len(self.received) >= self.arrived_after:
            self.arrived.set()
        if self.pause:
            await asyncio.sleep(self.pause)
        return "250 OK"

    def recipients(self) -> list[str]:
        return sorted(str(m["To"]) for m in self.received)


@contextmanager
def smtp_server() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@contextmanager
def smtp_settings(settings: Any) -> Iterator[tuple[Handler, int]]:
    """`smtp_server`, with the project's SMTP backend pointed at it (pytest-django's `settings`)."""
    with smtp_server() as (handler, port):
        settings.EMAIL_BACKEND = "notifications.backends.SmtpBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
        settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
        yield handler, port


def wait_for(condition: Callable[[], bool], timeout: float = 20.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def with_db(url: str, db: int) -> str:
    parts = urlparse(url)
    return urlunparse(parts._replace(path=f"/{db}"))


def point_broker(url: str) -> None:
    """Re-point the Celery app's producers (used to simulate Redis going away and back)."""
    app.conf.broker_url = url  # type: ignore[misc]
    # Drop references only: kombu keeps pools in a global registry, and closing one would
    # leave a closed pool there for the next user of the same URL.
    app._pool = None  # type: ignore[attr-defined]
    app.amqp._producer_pool = None  # type: ignore[attr-defined]


def database_url(settings_dict: dict[str, Any]) -> str:
    user = settings_dict.get("USER") or "postgres"
    password = f":{settings_dict['PASSWORD']}" if settings_dict.get("PASSWORD") else ""
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings_dict['NAME']}"


@contextmanager
def worker_process(*, broker_url: str, db_url: str, smtp_port: int, extra_env: dict[str, str] | None = None
                   ) -> Iterator[subprocess.Popen[bytes]]:
    """A real `celery worker` process (prefork, one child) against the test database."""
    env = {
        **os.environ, "PMC_ENV": "test", "DATABASE_URL": db_url, "CELERY_BROKER_URL": broker_url,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}", "NOTIFICATIONS_RETRY_BASE_SECONDS": "0.2",
        **(extra_env or {}),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=prefork", "--concurrency=1",
         "--loglevel=WARNING", "--without-heartbeat", "--without-mingle", "--without-gossip"],
        cwd=BASE_DIR, env=env, start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False)
    return [int(x) for x in out.stdout.split()]
