"""`o16n serve --env ENV`: run the environment's desired version in MLServer (the local target)
and follow the desired state in git. `--detach` runs it in the background; `--sync` waits until
a running server serves what git says; `--status` prints what serves; `--stop` stops it."""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.console import Console

from o16n.errors import EXIT_FAILED, EXIT_OK, UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--env", required=True, help="the environment (o16n.yaml environments)")
    parser.add_argument("--port", type=int, help="port (o16n.yaml serving.ports; 0: any free one)")
    parser.add_argument("--host", help="address to listen on (o16n.yaml serving.host)")
    parser.add_argument(
        "--ref", help="the branch whose desired state is followed (o16n.yaml github.branch)"
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--detach", action="store_true", help="serve in the background")
    mode.add_argument(
        "--sync", action="store_true", help="wait until the running server serves the desired state"
    )
    mode.add_argument("--status", action="store_true", help="print what serves (JSON)")
    mode.add_argument("--stop", action="store_true", help="stop the background server")
    parser.add_argument(
        "--timeout", type=float, default=180.0, help="seconds --detach/--sync/--stop wait (180)"
    )
    parser.add_argument("--project", type=Path, default=Path("."), help="project root (.)")


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.project import load_project, require_environment
    from o16n.serving.local import server as serve

    project = args.project.resolve()
    config = load_project(project)
    require_environment(config, args.env)
    folder = serve.state_dir(project, args.env)
    if config.serving.target != "local" and not (args.stop or args.status):
        raise UsageError(
            f"o16n.yaml serving.target is {config.serving.target!r}: the cluster serves "
            f"{args.env} from deploy/{args.env}/, not `o16n serve`",
            hint="set serving.target: local to serve on this machine",
        )
    if args.stop:
        return _stop(folder, args, console)
    if args.status:
        status = serve.running_status(folder)
        console.print_json(json.dumps(status or {"env": args.env, "state": "not running"}))
        return EXIT_OK if status else EXIT_FAILED
    if args.sync:
        return _sync(project, folder, args, console)
    host = args.host or config.serving.host
    port = (
        args.port if args.port is not None else config.serving.port(args.env, config.environments)
    )
    if args.detach:
        return _detach(project, folder, args, host, port, console)
    server = serve.Server(
        project,
        config,
        args.env,
        args.ref or config.github.branch,
        host,
        port,
        say=lambda text: console.print(f"{serve.now()} {text}", highlight=False, markup=False),
    )
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: server.stop())
    server.run()
    return EXIT_OK


def _detach(
    project: Path, folder: Path, args: argparse.Namespace, host: str, port: int, console: Console
) -> int:
    from o16n.serving.local import server as serve

    if (pid := serve.running_pid(folder)) is not None:
        raise UsageError(
            f"o16n serve already runs for {args.env} (pid {pid})",
            hint=f"o16n serve --env {args.env} --stop",
        )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "status.json").unlink(missing_ok=True)
    command = [sys.executable, "-m", "o16n", "--no-color", "serve", "--env", args.env]
    command += ["--host", host, "--port", str(port), "--project", str(project)]
    if args.ref:
        command += ["--ref", args.ref]
    log_path = folder / "serve.log"
    with log_path.open("ab") as log:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    status = _wait(
        folder,
        args.timeout,
        lambda s: s.get("state") not in (None, "starting", "switching"),
        process,
    )
    if status is None:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-15:])
        if process.poll() is None:
            process.terminate()
        raise UsageError(
            f"o16n serve for {args.env} did not come up within {args.timeout:.0f} s:\n{tail}",
            hint=f"its log: {log_path}",
        )
    return _report(
        status, console, f"serving in the background (pid {process.pid}; log {log_path})"
    )


def _sync(project: Path, folder: Path, args: argparse.Namespace, console: Console) -> int:
    from o16n.serving.local import server as serve

    status = serve.running_status(folder)
    if status is None:
        raise UsageError(
            f"no o16n serve runs for {args.env}",
            hint=f"start it: o16n serve --env {args.env} --detach",
        )
    wanted = serve.desired_blob(project, str(status["ref"]), args.env)

    def settled(s: dict[str, Any]) -> bool:
        return s.get("desired_blob") == wanted and s.get("state") in ("serving", "failed", "idle")

    final = _wait(folder, args.timeout, settled, None)
    if final is None:
        raise UsageError(f"{args.env} did not reach its desired state within {args.timeout:.0f} s")
    return _report(final, console, "in sync with git")


def _stop(folder: Path, args: argparse.Namespace, console: Console) -> int:
    from o16n.serving.local import server as serve

    pid = serve.running_pid(folder)
    if pid is None:
        console.print(f"o16n serve is not running for {args.env}")
        return EXIT_OK
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + args.timeout
    while serve.running_pid(folder) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    if serve.running_pid(folder) == pid:
        os.kill(pid, signal.SIGKILL)
        (folder / "serve.pid").unlink(missing_ok=True)
        console.print(f"o16n serve for {args.env} (pid {pid}) did not stop in time: killed")
        return EXIT_FAILED
    console.print(f"o16n serve for {args.env} (pid {pid}) stopped")
    return EXIT_OK


def _wait(
    folder: Path,
    timeout: float,
    done: Callable[[dict[str, Any]], bool],
    process: subprocess.Popen[bytes] | None,
) -> dict[str, Any] | None:
    from o16n.serving.local import server as serve

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = serve.read_status(folder)
        if status is not None and done(status):
            return status
        if process is not None and process.poll() is not None:
            return None
        time.sleep(0.1)
    return None


def _report(status: dict[str, Any], console: Console, what: str) -> int:
    serving = status.get("serving")
    error = status.get("error")
    if serving:
        console.print(
            f"{status['env']}: {status['model']} {serving['version']} at "
            f"{status['url']}/v2/models/{status['model']} ({what})",
            highlight=False,
        )
    else:
        console.print(f"{status['env']}: nothing is serving ({what})", highlight=False)
    if error:
        console.print(f"[fail]failed[/]: {error['version']}: {error['message']}", highlight=False)
        return EXIT_FAILED
    return EXIT_OK
