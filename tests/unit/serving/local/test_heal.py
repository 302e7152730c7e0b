"""How the reconciler notices a serving MLServer that died or stopped being ready, without
MLServer: a real child process stands for it (killed, reaped), a port nothing listens on for
its readiness endpoint. What it must do: take it out of the router at once, say what happened
and when in the status, reap it, and schedule the restart."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from o16n.config.project import ProjectConfig
from o16n.serving import desired
from o16n.serving.local.backend import Backend
from o16n.serving.local.reconciler import PROBE_FAILS, Retry, Server
from o16n.serving.local.router import Router


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    found = Server(tmp_path, ProjectConfig(model="m"), "staging", "main", "127.0.0.1", 0, print)
    found.folder.mkdir(parents=True)
    found.router = Router(("127.0.0.1", 0), found.status)
    found.desired_blob = "b" * 40
    found.state = "serving"
    try:
        yield found
    finally:
        found.router.server_close()


@pytest.fixture
def backend(server: Server) -> Iterator[Backend]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    state = desired.Desired("m", "v1.0.0", "0" * 40, {"models/model.joblib": "0" * 32})
    found = Backend(state, server.folder, "127.0.0.1", closed_port(), process)
    assert server.router is not None
    server.router.switch(found)
    try:
        yield found
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_a_killed_backend_is_reaped_reported_and_scheduled_for_restart(
    server: Server, backend: Backend
) -> None:
    os.kill(backend.process.pid, signal.SIGKILL)
    deadline = time.monotonic() + 5
    while backend.exited() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    assert backend.exited() == "killed by SIGKILL"
    server.watch()
    assert server.router is not None and server.router.active is None
    assert server.state == "restarting"
    assert server.error is not None and server.error["version"] == "v1.0.0"
    assert server.error["message"].startswith(
        f"MLServer for v1.0.0 (pid {backend.process.pid}) killed by SIGKILL at "
    )
    assert server.error["message"].endswith("; restarting it (attempt 1 of 5)")
    assert server.router.unavailable.endswith("; restarting it")
    assert server.pending is not None
    assert (server.pending.desired, server.pending.attempt, server.pending.restart) == (
        backend.desired,
        1,
        True,
    )
    assert server.pending.due <= time.monotonic()  # the first restart at once
    assert [e["event"] for e in server.history] == ["died"]
    status = server.status()
    assert (status["state"], status["serving"]) == ("restarting", None)
    with pytest.raises(ChildProcessError):  # reaped: no zombie left to wait for
        os.waitpid(backend.process.pid, os.WNOHANG)


def test_a_backend_that_is_not_ready_is_degraded_then_killed_and_restarted(
    server: Server, backend: Backend
) -> None:
    assert backend.ready(0.5) is not None  # nothing listens on its port
    for failed in range(1, PROBE_FAILS):
        server._probe_at = 0.0
        server.watch()
        assert server.state == "degraded"
        assert server.error is not None
        assert server.error["message"].endswith(f"; {failed} of {PROBE_FAILS} probes failed")
        assert server.router is not None and server.router.active is backend  # still serving
    server._probe_at = 0.0
    server.watch()
    assert server.state == "restarting"
    assert server.error is not None
    assert (
        f"was not ready {PROBE_FAILS} probes in a row (ConnectionRefusedError"
        in (server.error["message"])
    )
    assert backend.exited() == "killed by SIGKILL"
    assert server.pending is not None and server.pending.restart


def test_a_retry_is_not_made_before_its_backoff(server: Server, backend: Backend) -> None:
    server.pending = Retry("b" * 40, backend.desired, 2, time.monotonic() + 60, restart=False)
    server.retry_due()
    assert server.pending is not None and server.pending.attempt == 2
    retry = server.status()["retry"]
    assert (retry["version"], retry["attempt"], retry["of"]) == ("v1.0.0", 2, 5)
    assert 59 < retry["in_s"] <= 60


def test_the_desired_versions_failure_is_kept_while_the_old_one_is_restarted(
    server: Server, backend: Backend
) -> None:
    failure = {"time": "T", "version": "v2.0.0", "message": "v2.0.0: refused to load"}
    server.state, server.error = "failed", dict(failure)
    backend.process.kill()
    backend.process.wait()
    server.watch()
    assert server.state == "restarting"
    assert server.error is not None and server.error["version"] == "v1.0.0"
    assert server._behind == failure  # what a successful restart reports again: still failed
