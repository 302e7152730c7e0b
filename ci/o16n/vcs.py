"""The one module that runs git and DVC. Everything else gets plain data from here."""

from __future__ import annotations

import json
import os
import shutil
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


def python_module(module: str, *args: str, project: Path) -> Ran:
    """Run a tool installed beside o16n (`dvc`, `pytest`, `ruff`) with this Python."""
    return run([sys.executable, "-m", module, *args], project)


def has_module(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


def git(*args: str, project: Path) -> Ran:
    if shutil.which("git") is None:
        raise ToolError("git is not installed", hint="install git and run again")
    return run(["git", *args], project)


def dvc(*args: str, project: Path) -> Ran:
    return python_module("dvc", *args, project=project)


def dvc_json(*args: str, project: Path) -> object:
    ran = dvc(*args, "--json", project=project)
    if not ran.ok:
        raise ToolError(f"`dvc {' '.join(args)}` failed:\n{ran.tail()}")
    # DVC may print warnings before the JSON document; the document is the last line.
    return json.loads(ran.output.strip().splitlines()[-1] if ran.output.strip() else "{}")


def revision_exists(revision: str, project: Path) -> bool:
    return git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", project=project).ok


def is_repository(project: Path) -> bool:
    return (project / ".git").exists() and (project / "dvc.yaml").is_file()


def read_at_revision(path: str, revision: str, project: Path) -> str | None:
    """A file as it was at `revision`: from git, or (a DVC output) from the DVC cache or remote.
    None when it cannot be had there (not tracked then, or not pushed)."""
    shown = git("show", f"{revision}:{path}", project=project)
    if shown.ok:
        return shown.output
    try:
        import dvc.api
        from dvc.exceptions import DvcException

        return str(dvc.api.read(path, repo=str(project), rev=revision, mode="r"))
    except (DvcException, FileNotFoundError, OSError):
        return None
