"""One exception family and the exit codes it maps to (the handler is `o16n.cli.errorhandler`).

Exit codes (DESIGN.md): 0 pass, 1 a check or gate failed (a result, returned by a command,
never raised), 2 usage or configuration error, 3 unexpected error (with a log for bug reports).
"""

from __future__ import annotations

import os

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_UNEXPECTED = 3


class O16nError(Exception):
    """Base of the errors o16n expects; each says what went wrong and what to do next."""

    exit_code = EXIT_USAGE

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  hint: {self.hint}"


class UsageError(O16nError):
    """A flag or argument is wrong; the message names it."""


def shown_path(file: str | os.PathLike[str]) -> str:
    """A path as messages show it, one way for every file: relative to the working directory
    when it is inside it (`o16n.yaml:4`, as run from the project), absolute otherwise."""
    path = os.fspath(file)
    if not os.path.isabs(path):
        return path
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive (Windows)
        return path
    return path if relative == ".." or relative.startswith(".." + os.sep) else relative


class ConfigError(O16nError):
    """A configuration or input file is wrong; the message names file, line and key."""

    def __init__(
        self,
        message: str,
        *,
        file: str | os.PathLike[str] | None = None,
        line: int | None = None,
        key: str | None = None,
        hint: str | None = None,
    ) -> None:
        where = "".join(
            [
                shown_path(file) if file is not None else "",
                f":{line}" if line is not None else "",
                f": {key}" if key else "",
            ]
        )
        super().__init__(f"{where}: {message}" if where else message, hint=hint)
        self.file, self.line, self.key = file, line, key
        self.reason = message  # without the place: to say it again at another place


class ToolError(O16nError):
    """An outside tool (git, dvc, cookiecutter) failed or is missing."""


class ArtifactError(ConfigError):
    """The artifact a desired state names cannot be had, or is not what it should be."""


class GitHubError(ToolError):
    """A GitHub request that failed after retries: names the request, never the token."""


class LedgerError(O16nError):
    """The ledger is broken, so nothing more can be appended to it."""


class ServeError(O16nError):
    """A version could not be brought up; the one serving (if any) keeps serving."""
