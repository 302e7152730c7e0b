"""The model registry is git tags in GTO's format, written and read with GTO itself, so
`gto show` and `gto history` read o16n's registry: versions are annotated tags
`<model>@vX.Y.Z`, stage (environment) assignments `<model>#<stage>#N`. The only module that
imports gto.

The version bump follows the change since the latest version: the model's input schema changed
(the reference profile's columns or kinds) -> major; retrained on other data or params -> minor;
anything else that changed the model -> patch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.adapters.dvc import lineage
from o16n.errors import ConfigError, UsageError

PROFILE = "models/reference_profile.json"
VERSION = re.compile(r"^v(\d+)\.(\d+)\.(\d+)$")
BUMPS = ("major", "minor", "patch")


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


def _schema(project: Path, revision: str) -> dict[str, str] | None:
    text = git.read_at_revision(PROFILE, revision, project)
    if text is None:
        return None
    schema = json.loads(text).get("schema")
    return dict(schema) if isinstance(schema, dict) else None


def bump_for(project: Path, since: str, head: str = "HEAD") -> str | None:
    """major / minor / patch for the change from `since` to `head`; None: the same model."""
    old, new = lineage.at_revision(project, since), lineage.at_revision(project, head)
    if old is None or new is None:
        return "major" if new is not None else None
    if old.model == new.model:
        return None
    old_schema, new_schema = _schema(project, since), _schema(project, head)
    if old_schema is not None and new_schema is not None and old_schema != new_schema:
        return "major"
    inputs_changed = {p: h for p, h in old.data.items() if not p.startswith("data/predictions/")}
    new_inputs = {p: h for p, h in new.data.items() if not p.startswith("data/predictions/")}
    if inputs_changed != new_inputs or old.params_hash != new.params_hash:
        return "minor"
    return "patch"


def next_version(current: Version | None, bump: str) -> str:
    if bump not in BUMPS:
        raise UsageError(f"--bump must be one of {', '.join(BUMPS)}, not {bump!r}")
    if current is None:
        return "v1.0.0"
    major, minor, patch = current.parts
    if bump == "major":
        return f"v{major + 1}.0.0"
    if bump == "minor":
        return f"v{major}.{minor + 1}.0"
    return f"v{major}.{minor}.{patch + 1}"


def register(project: Path, model: str, version: str, message: str) -> None:
    if not VERSION.match(version):
        raise UsageError(f"version {version!r} is not vMAJOR.MINOR.PATCH (e.g. v1.2.0)")
    if any(v.name == version for v in versions(project, model)):
        raise ConfigError(
            f"{model}@{version} is already registered", hint="choose the next version"
        )
    _gto().register(str(project), model, "HEAD", version=version, message=message)


def assign(project: Path, model: str, stage: str, version: str, message: str) -> str:
    """Assign `stage` to `version`; the new tag's name."""
    _gto().assign(str(project), model, stage, version=version, message=message, force=True)
    tags = git.run("tag", "-l", f"{model}#{stage}#*", project=project).output.split()
    return max(tags, key=lambda t: int(t.rsplit("#", 1)[1]))
