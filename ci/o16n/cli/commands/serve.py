"""`o16n serve --env ENV`: run the environment's desired version in MLServer (the local target)
and follow the desired state in git. `--detach` runs it in the background; `--sync` waits until
a running server serves what git says; `--status` prints what serves; `--stop` stops it."""

from __future__ import annotations

import argparse
import json

from rich.console import Console

from o16n.cli import options
from o16n.errors import EXIT_FAILED, EXIT_OK

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
    from o16n.report.serving import status_to_text, stopped_to_text
    from o16n.serving.local import daemon

    project = args.project.resolve()
    config = load_project(project)
    require_environment(config, args.env)
    if args.stop:
        stopped = daemon.stop(project, args.env, args.timeout)
        return EXIT_FAILED if stopped_to_text(stopped, args.env, console) else EXIT_OK
    if args.status:
        status = daemon.running_status(project, args.env)
        console.print_json(json.dumps(status or {"env": args.env, "state": "not running"}))
        return EXIT_OK if status else EXIT_FAILED
    daemon.require_local(config, args.env)
    if args.sync:
        failed = status_to_text(
            daemon.sync(project, args.env, args.timeout), "in sync with git", console
        )
        return EXIT_FAILED if failed else EXIT_OK
    host = args.host or config.serving.host
    port = (
        args.port if args.port is not None else config.serving.port(args.env, config.environments)
    )
    if args.detach:
        up = daemon.detach(project, args.env, host, port, args.ref, args.timeout)
        what = f"serving in the background (pid {up.pid}; log {up.log})"
        return EXIT_FAILED if status_to_text(up.status, what, console) else EXIT_OK

    def say(text: str) -> None:
        console.print(text, highlight=False, markup=False)

    daemon.serve(project, config, args.env, args.ref or config.github.branch, host, port, say)
    return EXIT_OK
