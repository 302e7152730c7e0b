"""DVC: its command line (run with this Python), the lineage in dvc.lock, artifacts by hash."""

from __future__ import annotations

import json
from pathlib import Path

from o16n.adapters.proc import Ran, python_module
from o16n.errors import ToolError


def run(*args: str, project: Path) -> Ran:
    return python_module("dvc", *args, project=project)


def run_json(*args: str, project: Path) -> object:
    ran = run(*args, "--json", project=project)
    if not ran.ok:
        raise ToolError(f"`dvc {' '.join(args)}` failed:\n{ran.tail()}")
    # DVC may print warnings before the JSON document; the document is the last line.
    return json.loads(ran.output.strip().splitlines()[-1] if ran.output.strip() else "{}")
