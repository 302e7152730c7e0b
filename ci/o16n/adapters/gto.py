"""The model registry is git tags in GTO's format, written and read with GTO itself, so
`gto show` and `gto history` read o16n's registry: versions are annotated tags
`<model>@vX.Y.Z`, stage (environment) assignments `<model>#<stage>#N`. The only module that
imports gto.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.errors import ConfigError, UsageError

VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")


@dataclass(frozen=True)
class Version:
    name: str  # vX.Y.Z
    commit: str

    @property
    def parts(self) -> tuple[int, int, int]:
        match = VERSION.match(self.name)
        assert match is not None
        major, minor, patch = (int(g) for g in match.groups())
        return major, minor, patch


def _gto() -> Any:
    import gto.api

    return gto.api


def _show(project: Path, model: str) -> list[dict[str, Any]]:
    from gto.exceptions import ArtifactNotFound

    try:
        return list(_gto().show(str(project), model))
    except ArtifactNotFound:
        return []  # no version registered yet


def versions(project: Path, model: str) -> list[Version]:
    """Registered versions, oldest first."""
    found = []
    for entry in _show(project, model):
        if entry.get("registrations") and VERSION.match(str(entry["version"])):
            found.append(Version(str(entry["version"]), str(entry["commit_hexsha"])))
    return sorted(found, key=lambda v: v.parts)


def check_new(project: Path, model: str, version: str) -> None:
    """Refuse a version that is not vMAJOR.MINOR.PATCH or is registered already: asked before
    anything is written for it, so a refused version leaves nothing behind."""
    if not VERSION.match(version):
        raise UsageError(
            f"--version {version!r} is not vMAJOR.MINOR.PATCH",
            hint=f"write it with a leading v and three numbers, e.g. v{version.lstrip('vV')}"
            if re.fullmatch(r"[vV]?\d+\.\d+\.\d+", version)
            else "e.g. --version v1.2.0",
        )
    if any(v.name == version for v in versions(project, model)):
        raise ConfigError(
            f"{model}@{version} is already registered", hint="choose the next version"
        )


def register(project: Path, model: str, version: str, message: str) -> None:
    check_new(project, model, version)
    _gto().register(str(project), model, "HEAD", version=version, message=message)


def assign(project: Path, model: str, stage: str, version: str, message: str) -> str:
    """Assign `stage` to `version`; the new tag's name."""
    _gto().assign(str(project), model, stage, version=version, message=message, force=True)
    tags = git.run("tag", "-l", f"{model}#{stage}#*", project=project).output.split()
    return max(tags, key=lambda t: int(t.rsplit("#", 1)[1]))


def version_tag(model: str, version: str) -> str:
    """The git tag that registers `version` of `model`."""
    return f"{model}@{version}"
