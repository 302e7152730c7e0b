"""The `o16n serve` process control, called directly: stop (SIGTERM, then SIGKILL after the
grace period), sync without a server, and where predict finds the server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from o16n.config.project import ProjectConfig
from o16n.errors import UsageError
from o16n.serving.local import daemon
from o16n.serving.local.backend import state_dir

IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)
EXITS_ON_SIGTERM = "import time; print('ready', flush=True); time.sleep(60)"


def a_server(project: Path, code: str) -> subprocess.Popen[str]:
    """A process that owns staging's pid file, reaped as soon as it exits (a zombie would still
    count as running)."""
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline() == "ready\n"
    folder = state_dir(project, "staging")
    folder.mkdir(parents=True)
    (folder / daemon.PID).write_text(f"{process.pid}\n")
    threading.Thread(target=process.wait, daemon=True).start()
    return process


def test_stop_without_a_server_says_so(tmp_path: Path) -> None:
    assert daemon.stop(tmp_path, "staging", timeout=1.0) == daemon.Stopped(None)


def test_stop_terminates_the_server(tmp_path: Path) -> None:
    process = a_server(tmp_path, EXITS_ON_SIGTERM)
    assert daemon.stop(tmp_path, "staging", timeout=10.0) == daemon.Stopped(process.pid)
    assert daemon.running_pid(state_dir(tmp_path, "staging")) is None


def test_stop_kills_a_server_that_ignores_sigterm_after_the_grace_period(tmp_path: Path) -> None:
    process = a_server(tmp_path, IGNORES_SIGTERM)
    stopped = daemon.stop(tmp_path, "staging", timeout=0.5)
    assert stopped == daemon.Stopped(process.pid, killed=True)
    assert process.wait(10) == -9
    assert not (state_dir(tmp_path, "staging") / daemon.PID).exists()


def test_sync_needs_a_running_server(tmp_path: Path) -> None:
    with pytest.raises(UsageError) as caught:
        daemon.sync(tmp_path, "staging", timeout=1.0)
    assert str(caught.value) == (
        "no o16n serve runs for staging\n  hint: start it: o16n serve --env staging --detach"
    )


def test_the_server_url_is_the_running_one_else_the_configured_one(tmp_path: Path) -> None:
    config = ProjectConfig(model="churn")
    assert daemon.server_url(tmp_path, config, "production") == "http://127.0.0.1:8081"
    folder = state_dir(tmp_path, "production")
    folder.mkdir(parents=True)
    (folder / "status.json").write_text(json.dumps({"url": "http://127.0.0.1:9000"}))
    assert daemon.server_url(tmp_path, config, "production") == "http://127.0.0.1:8081"
    (folder / daemon.PID).write_text(f"{os.getpid()}\n")  # a live process owns it now
    assert daemon.running_status(tmp_path, "production") == {"url": "http://127.0.0.1:9000"}
    assert daemon.server_url(tmp_path, config, "production") == "http://127.0.0.1:9000"
