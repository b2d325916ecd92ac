"""`make run`'s supervisor: a dying worker/beat is restarted (a few times); Ctrl-C is a normal stop."""

from __future__ import annotations

import signal
import sys

from config.devserver import Supervisor

DIES = [sys.executable, "-c", "import sys; sys.exit(3)"]
SLEEPS = [sys.executable, "-c", "import time; time.sleep(30)"]
# Ctrl-C reaching the child: with Python's own SIGINT handler, even when the test runner was
# started in the background (a shell then starts children with SIGINT ignored).
INTERRUPTED = [sys.executable, "-c", (
    "import os, signal, time; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "os.kill(os.getpid(), signal.SIGINT); time.sleep(5)"
)]


def test_a_dying_worker_is_restarted_then_given_up_on(capsys) -> None:  # type: ignore[no-untyped-def]
    supervisor = Supervisor({"web": SLEEPS, "worker": DIES}, max_restarts=2)
    for name in supervisor.commands:
        supervisor.spawn(name)
    assert supervisor.run(poll=0.05) == 1
    assert supervisor.restarts["worker"] == 2
    err = capsys.readouterr().err
    assert "worker exited unexpectedly (code 3); restarting it (1/2)." in err
    assert "Stopped because worker exited with code 3." in err
    assert supervisor.processes["web"].poll() is not None  # the others were stopped


def test_children_stopped_by_ctrl_c_first_mean_a_normal_stop(capsys) -> None:  # type: ignore[no-untyped-def]
    supervisor = Supervisor({"beat": INTERRUPTED})
    supervisor.spawn("beat")
    assert supervisor.run(poll=0.05) == 0
    assert supervisor.processes["beat"].returncode == -signal.SIGINT
    assert "Stopped" not in capsys.readouterr().err


def test_site_url_follows_the_port_when_only_the_port_changes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from config.devserver import site_address

    missing = tmp_path / "none.env"
    assert site_address({}, missing) == ("127.0.0.1:8000", "http://127.0.0.1:8000")
    assert site_address({"PORT": "8001"}, missing) == ("127.0.0.1:8001", "http://127.0.0.1:8001")
    # A SITE_URL given in the environment or in .env is kept as it is.
    assert site_address({"PORT": "8001", "SITE_URL": "https://pmc.example.org"}, missing) == ("127.0.0.1:8001", None)
    dotenv = tmp_path / ".env"
    dotenv.write_text('DJANGO_DEBUG=false\nSITE_URL="https://pmc.example.org"\n', encoding="utf-8")
    assert site_address({"PORT": "8002"}, dotenv) == ("127.0.0.1:8002", None)


def test_a_port_that_is_not_a_number_stops_make_run(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import pytest

    from config.devserver import site_address

    with pytest.raises(SystemExit, match="PORT must be a TCP port number"):
        site_address({"PORT": "80a"}, tmp_path / "none.env")
