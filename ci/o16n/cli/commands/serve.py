"""`o16n serve --env ENV`: run the environment's desired version in MLServer (the local target)
and follow the desired state in git. `--detach` runs it in the background; `--sync` waits until
a running server serves what git says; `--status` prints what serves; `--stop` stops it."""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK, UsageError

if TYPE_CHECKING:
    from o16n.serving.local.daemon import Stopped

PARENTS = [options.env("the environment (o16n.yaml environments)"), options.PROJECT]


def add_arguments(parser: argparse.ArgumentParser) -> None:
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


def run(args: argparse.Namespace, console: Console) -> int:
    from o16n.config.project import load_project, require_environment
    from o16n.serving.local import daemon

    project = args.project.resolve()
    config = load_project(project)
    require_environment(config, args.env)
    if config.serving.target != "local" and not (args.stop or args.status):
        raise UsageError(
            f"o16n.yaml serving.target is {config.serving.target!r}: the cluster serves "
            f"{args.env} from deploy/{args.env}/, not `o16n serve`",
            hint="set serving.target: local to serve on this machine",
        )
    if args.stop:
        return _stopped(daemon.stop(project, args.env, args.timeout), args.env, console)
    if args.status:
        status = daemon.running_status(project, args.env)
        console.print_json(json.dumps(status or {"env": args.env, "state": "not running"}))
        return EXIT_OK if status else EXIT_FAILED
    if args.sync:
        return _report(daemon.sync(project, args.env, args.timeout), console, "in sync with git")
    host = args.host or config.serving.host
    port = (
        args.port if args.port is not None else config.serving.port(args.env, config.environments)
    )
    if args.detach:
        up = daemon.detach(project, args.env, host, port, args.ref, args.timeout)
        return _report(
            up.status, console, f"serving in the background (pid {up.pid}; log {up.log})"
        )

    def say(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    daemon.serve(project, config, args.env, args.ref or config.github.branch, host, port, say)
    return EXIT_OK


def _stopped(stopped: Stopped, env: str, console: Console) -> int:
    if stopped.pid is None:
        console.print(f"o16n serve is not running for {env}")
        return EXIT_OK
    if stopped.killed:
        console.print(f"o16n serve for {env} (pid {stopped.pid}) did not stop in time: killed")
        return EXIT_FAILED
    console.print(f"o16n serve for {env} (pid {stopped.pid}) stopped")
    return EXIT_OK


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
