"""`o16n serve` as a process: one per environment, in the foreground or detached, found again
by its pid file and read through its status file.

The reconciler runs in the process that holds `.o16n/serve/ENV/serve.pid`; a second one for the
same environment refuses to start. Detaching starts that process in its own session with its
output in `serve.log` and waits until its first status says it settled; `sync` waits until a
running one acts on the desired state git has now (and fails while it does not serve it: a
restart or a retry under way counts as not serving); `stop` sends SIGTERM (the reconciler stops
its MLServer and writes a last status) and SIGKILL only after the grace period.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters.clock import timestamp
from o16n.adapters.files import write_text_atomic
from o16n.config.project import ProjectConfig
from o16n.errors import ServeError, UsageError
from o16n.serving.desired import desired_blob
from o16n.serving.local.backend import state_dir
from o16n.serving.local.reconciler import STATUS, Server

PID = "serve.pid"
SETTLED = ("serving", "failed", "idle", "degraded", "restarting", "retrying")
LOG = "serve.log"
Status = dict[str, Any]  # status.json, as the reconciler writes it


@dataclass(frozen=True)
class Detached:
    status: Status  # its first settled status
    pid: int
    log: Path


@dataclass(frozen=True)
class Stopped:
    pid: int | None  # None: none was running
    killed: bool = False  # it did not stop within the timeout: SIGKILL


def require_local(config: ProjectConfig, env: str) -> None:
    """Only the local target is served by `o16n serve`: a cluster serves the kserve one."""
    if config.serving.target != "local":
        raise UsageError(
            f"o16n.yaml serving.target is {config.serving.target!r}: the cluster serves "
            f"{env} from deploy/{env}/, not `o16n serve`",
            hint="set serving.target: local to serve on this machine",
        )


def serve(
    project: Path,
    config: ProjectConfig,
    env: str,
    ref: str,
    host: str,
    port: int,
    say: Callable[[str], None],
) -> None:
    """Serve `env` in this process until SIGTERM or SIGINT; `say` gets each event, timestamped."""
    server = Server(
        project, config, env, ref, host, port, say=lambda text: say(f"{timestamp()} {text}")
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    with _pid_file(state_dir(project, env) / PID):
        server.run()


def detach(
    project: Path, env: str, host: str, port: int, ref: str | None, timeout: float
) -> Detached:
    """Start `o16n serve` for `env` in the background; back once it serves, idles or failed."""
    folder = state_dir(project, env)
    if (pid := running_pid(folder)) is not None:
        raise UsageError(
            f"o16n serve already runs for {env} (pid {pid})",
            hint=f"o16n serve --env {env} --stop",
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / STATUS).unlink(missing_ok=True)
    command = [sys.executable, "-m", "o16n", "--no-color", "serve", "--env", env]
    command += ["--host", host, "--port", str(port), "--project", str(project)]
    if ref:
        command += ["--ref", ref]
    log_path = folder / LOG
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    status = _wait(
        folder, timeout, lambda s: s.get("state") not in (None, "starting", "switching"), process
    )
    if status is None:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
        if process.poll() is None:
            process.terminate()
        raise UsageError(
            f"o16n serve for {env} did not come up within {timeout:.0f} s:\n{tail}",
            hint=f"its log: {log_path}",
        )
    return Detached(status, process.pid, log_path)


def sync(project: Path, env: str, timeout: float) -> Status:
    """The running server's status once it has acted on the desired state git has now."""
    folder = state_dir(project, env)
    status = running_status(project, env)
    if status is None:
        raise UsageError(
            f"no o16n serve runs for {env}",
            hint=f"start it: o16n serve --env {env} --detach",
        )
    wanted = desired_blob(project, str(status["ref"]), env)

    def settled(s: Status) -> bool:
        """Serving it, or not and saying why (a restart or retry under way is not serving)."""
        return s.get("desired_blob") == wanted and s.get("state") in SETTLED

    final = _wait(folder, timeout, settled, None)
    if final is None:
        raise UsageError(f"{env} did not reach its desired state within {timeout:.0f} s")
    return final


def stop(project: Path, env: str, timeout: float) -> Stopped:
    """SIGTERM to the running server, SIGKILL when it is still there after `timeout` s."""
    folder = state_dir(project, env)
    pid = running_pid(folder)
    if pid is None:
        return Stopped(None)
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while running_pid(folder) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    if running_pid(folder) == pid:
        os.kill(pid, signal.SIGKILL)
        (folder / PID).unlink(missing_ok=True)
        return Stopped(pid, killed=True)
    return Stopped(pid)


def server_url(project: Path, config: ProjectConfig, env: str) -> str:
    """Where `env` is served: the running `o16n serve`'s address, else o16n.yaml's."""
    status = running_status(project, env)
    if status and status.get("url"):
        return str(status["url"])
    serving = config.serving
    return f"http://{serving.host}:{serving.port(env, config.environments)}"


def running_status(project: Path, env: str) -> Status | None:
    """The status of the `o16n serve` that serves `env`, if one runs."""
    folder = state_dir(project, env)
    return read_status(folder) if running_pid(folder) is not None else None


def running_pid(folder: Path) -> int | None:
    """The pid of the `o16n serve` that owns `folder`, if it is alive."""
    try:
        pid = int((folder / PID).read_text().strip())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return None
    except PermissionError:
        return pid
    return pid


def read_status(folder: Path) -> Status | None:
    try:
        return json.loads((folder / STATUS).read_text())  # type: ignore[no-any-return]
    except (OSError, ValueError):
        return None


@contextlib.contextmanager
def _pid_file(path: Path) -> Iterator[None]:
    running = running_pid(path.parent)
    if running is not None:
        raise ServeError(
            f"o16n serve already runs for this environment (pid {running})",
            hint="stop it first: o16n serve --env ENV --stop",
        )
    write_text_atomic(path, f"{os.getpid()}\n")
    try:
        yield
    finally:
        path.unlink(missing_ok=True)


def _wait(
    folder: Path,
    timeout: float,
    done: Callable[[Status], bool],
    process: subprocess.Popen[bytes] | None,
) -> Status | None:
    """The first status `done` accepts within `timeout` s; None when `process` exits first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = read_status(folder)
        if status is not None and done(status):
            return status
        if process is not None and process.poll() is not None:
            return None
        time.sleep(0.1)
    return None
