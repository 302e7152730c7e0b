"""Where the cookiecutter template is: bundled in the wheel, or the source tree of a checkout."""

from __future__ import annotations

import json
from pathlib import Path

from o16n.errors import ToolError

BUNDLED = Path(__file__).parents[1] / "template"
SOURCE = Path(__file__).resolve().parents[3]  # ci/o16n/lifecycle/new.py -> the repository root


def template_dir() -> Path:
    for candidate in (BUNDLED, SOURCE):
        if (candidate / "cookiecutter.json").is_file():
            return candidate
    raise ToolError(
        f"the o16n template is missing from this installation ({BUNDLED})",
        hint="reinstall o16n (`pip install --force-reinstall o16n`)",
    )


def template_keys(where: Path) -> list[str]:
    """The answers a user may give: every key of cookiecutter.json but the private ones."""
    context = json.loads((where / "cookiecutter.json").read_text())
    return [key for key in context if not key.startswith("_")]
