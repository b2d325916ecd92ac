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
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"


def main() -> int:
    os.environ.setdefault("PMC_ENV", "development")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    for folder in ("broker/queue", "broker/processed", "mail"):
        (VAR / folder).mkdir(parents=True, exist_ok=True)
    python = sys.executable
    manage = [python, str(BASE_DIR / "manage.py")]
    subprocess.run([*manage, "migrate", "--noinput"], check=True)  # noqa: S603
    subprocess.run([*manage, "load_demo"], check=True)  # noqa: S603

    celery = [python, "-m", "celery", "-A", "config"]
    commands = {
        "web": [*manage, "runserver", "127.0.0.1:8000", "--noreload"],
        "worker": [*celery, "worker", "--loglevel=INFO", "--concurrency=2", "--pool=threads"],
        "beat": [*celery, "beat", "--loglevel=INFO", "--schedule", str(VAR / "celerybeat-schedule")],
    }
    processes = {name: subprocess.Popen(cmd, cwd=BASE_DIR) for name, cmd in commands.items()}  # noqa: S603

    password = os.environ.get("DEMO_PASSWORD", "pmc-demo-2012")
    print(
        "\nPMC Tracker is running at http://127.0.0.1:8000/admin/ "
        "(API: http://127.0.0.1:8000/api/v1/docs/)\n"
        f"Demo logins (password {password!r}): admin, coordinator, stakeholder, auditor\n"
        f"Email is written to {VAR / 'mail'}\nPress Ctrl-C to stop everything.\n",
        flush=True,
    )

    def stop(*_: object) -> None:
        for process in processes.values():
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + 10
        for process in processes.values():
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()

    def stop_and_exit(*_: object) -> None:
        stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop_and_exit)
    try:
        while all(p.poll() is None for p in processes.values()):
            time.sleep(0.5)
        dead = [name for name, p in processes.items() if p.poll() is not None]
        print(f"Stopped because {', '.join(dead)} exited.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()


if __name__ == "__main__":
    sys.exit(main())
