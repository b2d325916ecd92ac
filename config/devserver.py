"""`make run`: migrate, load the demo, then run web, worker and beat until Ctrl-C.

Everything runs on the embedded defaults (SQLite, a file-system broker, email written to
var/mail), so a fresh machine with only Python can try the whole product.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"
MAX_RESTARTS = int(os.environ.get("DEVSERVER_MAX_RESTARTS", "5"))
HOST = "127.0.0.1"


def site_address(environ: Mapping[str, str], dotenv: Path = BASE_DIR / ".env") -> tuple[str, str | None]:
    """(bind address, SITE_URL to set) for `make run [PORT=8001]`: when only the port changes,
    the links in emails and calendar feeds follow it; a SITE_URL given in the environment or
    in .env always wins (None: leave it alone)."""
    port = environ.get("PORT", "") or "8000"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise SystemExit(f"PORT must be a TCP port number, not {port!r}")
    given = environ.get("SITE_URL") or _dotenv_value(dotenv, "SITE_URL")
    return f"{HOST}:{port}", None if given else f"http://{HOST}:{port}"


def _dotenv_value(dotenv: Path, name: str) -> str:
    if not dotenv.exists():
        return ""
    for line in dotenv.read_text(encoding="utf-8").splitlines():
        key, _, value = line.strip().removeprefix("export ").partition("=")
        if key.strip() == name:
            return value.strip().strip("'\"")
    return ""


def main() -> int:
    os.environ.setdefault("PMC_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    bind, site_url = site_address(os.environ)
    if site_url:
        os.environ["SITE_URL"] = site_url  # the web process, the worker and beat all build links with it
    for folder in ("broker/queue", "broker/processed", "mail"):
        (VAR / folder).mkdir(parents=True, exist_ok=True)
    python = sys.executable
    manage = [python, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], check=True)  # noqa: S603
    subprocess.run([*manage, "load_demo"], check=True)  # noqa: S603

    celery = [python, "-m", "celery", "-A", "config"]
    commands = {
        # Static files (admin, pages, API docs) come from whitenoise, DEBUG stays off.
        "web": [*manage, "runserver", bind, "--noreload"],
        # prefork, like production: soft time limits and reject_on_worker_lost only work with it.
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--pool=prefork"],
        "beat": [*celery, "beat", "--loglevel=INFO", "--schedule", str(VAR / "celerybeat-schedule")],
    }
    supervisor = Supervisor(commands)
    supervisor.start()

    password = os.environ.get("DEMO_PASSWORD", "pmc-demo-2012")
    base = f"http://{bind}"
    print(
        f"\nPMC Tracker is running at {base}/ (admin: {base}/admin/, API docs: {base}/api/v1/docs/)\n"
        f"Demo logins (password {password!r}): admin, coordinator, coordinator-fruit, stakeholder, auditor\n"
        f"Email is written to {VAR / 'mail'}\nPress Ctrl-C to stop everything.\n",
        flush=True,
    )
    return supervisor.run()


class Supervisor:
    """Runs the children; restarts a worker or beat that dies; Ctrl-C is a normal stop (exit 0).

    Ctrl-C sends SIGINT to the whole process group, so the children may exit before this
    process notices: a child exit seen while stopping, or caused by SIGINT, is not a crash.
    """

    RESTARTABLE = ("worker", "beat")

    def __init__(self, commands: dict[str, list[str]], *, max_restarts: int = MAX_RESTARTS) -> None:
        self.commands = commands
        self.max_restarts = max_restarts
        self.restarts = dict.fromkeys(commands, 0)
        self.processes: dict[str, subprocess.Popen[bytes]] = {}
        self.stopping = False
        self.children_signalled = False  # Ctrl-C reached the whole group: the children are stopping already

    def spawn(self, name: str) -> None:
        self.processes[name] = subprocess.Popen(self.commands[name], cwd=BASE_DIR)  # noqa: S603

    def start(self) -> None:
        for name in self.commands:
            self.spawn(name)
        signal.signal(signal.SIGINT, self._request_stop)
        signal.signal(signal.SIGTERM, self._request_stop)

    def _request_stop(self, signum: int, _frame: object) -> None:
        self.stopping = True
        self.children_signalled = self.children_signalled or signum == signal.SIGINT

    def run(self, *, poll: float = 0.5) -> int:
        try:
            while not self.stopping:
                time.sleep(poll)
                for name, process in list(self.processes.items()):
                    code = process.poll()
                    if code is None or self.stopping:
                        continue
                    if code == -signal.SIGINT:  # our own Ctrl-C reached the child first
                        self.stopping = self.children_signalled = True
                        break
                    if name not in self.RESTARTABLE or self.restarts[name] >= self.max_restarts:
                        print(f"Stopped because {name} exited with code {code}.", file=sys.stderr, flush=True)
                        return 1
                    self.restarts[name] += 1
                    print(
                        f"{name} exited unexpectedly (code {code}); restarting it "
                        f"({self.restarts[name]}/{self.max_restarts}).",
                        file=sys.stderr, flush=True,
                    )
                    self.spawn(name)
            return 0
        finally:
            self.stop()

    def stop(self, *, grace: float = 10.0) -> None:
        # Children that got Ctrl-C are already shutting down; give them time before SIGTERM/SIGKILL.
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            if process.poll() is None and not self.children_signalled:
                process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    sys.exit(main())
