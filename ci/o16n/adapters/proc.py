"""Running outside programs: one `run` for every subprocess o16n starts in a project.

`git` and `dvc` build on it; everything above the adapters gets plain data back."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from o16n.errors import ToolError


@dataclass(frozen=True)
class Ran:
    command: tuple[str, ...]
    returncode: int
    output: str  # stdout and stderr, interleaved as they came

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.output.strip().splitlines()[-lines:])


def project_env(project: Path) -> dict[str, str]:
    """The environment pipeline stages run in: this Python first on PATH, the project's `src`
    importable without an install, and DVC's analytics off (o16n runs offline)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    python_path = [str(project / "src"), os.environ.get("PYTHONPATH", "")]
    return {
        **os.environ,
        "PATH": path,
        "PYTHONPATH": os.pathsep.join(p for p in python_path if p),
        "DVC_NO_ANALYTICS": "1",
    }


def run(command: list[str], project: Path) -> Ran:
    try:
        done = subprocess.run(
            command,
            cwd=project,
            env=project_env(project),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
    except FileNotFoundError:
        raise ToolError(
            f"`{command[0]}` is not installed", hint="install it and run again"
        ) from None
    return Ran(tuple(command), done.returncode, done.stdout)


@dataclass(frozen=True)
class Fed:
    """What a program fed on standard input gave back: its exit code, stdout as bytes (a
    `git cat-file --batch` answer is binary), stderr as text."""

    command: tuple[str, ...]
    returncode: int
    output: bytes
    errors: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0


def feed(command: list[str], data: bytes, project: Path) -> Fed:
    """Run `command` with `data` on its standard input: one process for many queries (git's
    batch modes), where `run` would start one per query."""
    try:
        done = subprocess.run(
            command,
            cwd=project,
            env=project_env(project),
            input=data,
            capture_output=True,
        )
    except FileNotFoundError:
        raise ToolError(
            f"`{command[0]}` is not installed", hint="install it and run again"
        ) from None
    return Fed(tuple(command), done.returncode, done.stdout, done.stderr.decode(errors="replace"))


def python_module(module: str, *args: str, project: Path) -> Ran:
    """Run a tool installed beside o16n (`dvc`, `pytest`, `ruff`) with this Python."""
    return run([sys.executable, "-m", module, *args], project)


def has_module(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None
