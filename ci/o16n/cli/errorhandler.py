"""Exit codes for every command: an O16nError is its message and code; anything else is a bug,
reported with a log (versions, command, traceback) and exit 3. Secrets are redacted from both."""

from __future__ import annotations

import contextlib
import os
import platform
import sys
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from o16n.adapters.clock import timestamp
from o16n.errors import EXIT_UNEXPECTED, O16nError

if TYPE_CHECKING:
    from rich.console import Console


def _versions() -> dict[str, str]:
    from importlib import metadata

    from o16n import __version__

    found = {"o16n": __version__, "python": sys.version.split()[0], "platform": platform.platform()}
    for dist in ("dvc", "cookiecutter", "scikit-learn", "pandas", "rich"):
        try:
            found[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


SECRETS = ("GITHUB_TOKEN", "GH_TOKEN")


def redact(text: str) -> str:
    """Hide the values of secret environment variables (tokens) in anything o16n prints."""
    for name in SECRETS:
        secret = os.environ.get(name)
        if secret:
            text = text.replace(secret, "***")
    return text


def crash_log_path() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "o16n" / "o16n.log"


def write_crash_log(exc: BaseException) -> Path:
    """Write a short log for a bug report: versions, the command line and the traceback."""
    path = crash_log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [f"# o16n crash, {timestamp()}", ""]
    lines += [f"- {name}: {version}" for name, version in _versions().items()]
    lines += ["", f"command: {' '.join(sys.argv)}", "", "```"]
    lines += traceback.format_exception(type(exc), exc, exc.__traceback__)
    lines += ["```", ""]
    path.write_text(redact("\n".join(line.rstrip("\n") for line in lines)))
    return path


@contextlib.contextmanager
def error_handler(console: Console, result: list[int]) -> Iterator[None]:
    """Map exceptions to exit codes; `result[0]` holds the code for the caller."""
    try:
        yield
    except O16nError as exc:
        from rich.markup import escape

        console.print(f"[bold red]error:[/] {escape(redact(str(exc)))}", highlight=False)
        result[0] = exc.exit_code
    except KeyboardInterrupt:
        console.print("[red]interrupted[/]")
        result[0] = 130
    except Exception as exc:  # the one place that catches everything: report, log, exit 3
        from rich.markup import escape

        log = write_crash_log(exc)
        console.print(
            f"[bold red]unexpected error:[/] {type(exc).__name__}: {escape(redact(str(exc)))}",
            highlight=False,
        )
        console.print(
            f"A log with versions for a bug report is in {escape(str(log))}", highlight=False
        )
        result[0] = EXIT_UNEXPECTED
