"""Reporters for the local target: what a server serves (from its status.json) and how a stop
went. Each returns whether it reported a failure, for the command's exit code."""

from __future__ import annotations

from typing import Any

from rich.console import Console

from o16n.serving.local.daemon import Stopped


def status_to_text(status: dict[str, Any], what: str, console: Console) -> bool:
    """The version serving (or that nothing is), and the error of a version that failed."""
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
    return bool(error)


def stopped_to_text(stopped: Stopped, env: str, console: Console) -> bool:
    if stopped.pid is None:
        console.print(f"o16n serve is not running for {env}")
    elif stopped.killed:
        console.print(f"o16n serve for {env} (pid {stopped.pid}) did not stop in time: killed")
    else:
        console.print(f"o16n serve for {env} (pid {stopped.pid}) stopped")
    return stopped.killed
