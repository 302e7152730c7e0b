"""o16n.yaml: what o16n needs to know about a model repository beyond its pipeline.

The model's name, its environments, the policy pack in force, and, for the `git` review
provider, who belongs to the teams that CODEOWNERS names (git knows e-mails, not teams).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from o16n.config.yamlfile import load_model

FILE = "o16n.yaml"


class GitHubSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    branch: str = Field("main", description="the protected branch")
    required_checks: list[str] = Field(
        default_factory=lambda: ["check", "o16n/gate"],
        description="status checks that must pass before merging",
    )
    required_approvals: int = Field(1, ge=0, le=6, description="approving reviews required")
    code_owner_reviews: bool = Field(True, description="code owners must approve their paths")
    dismiss_stale_reviews: bool = Field(True, description="a new push dismisses approvals")
    enforce_admins: bool = Field(False, description="the rules apply to admins too")


class ProjectConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(1, ge=1, le=1)
    model: str = Field(min_length=1, description="the model's name (tags are `<model>@vX.Y.Z`)")
    environments: list[str] = Field(
        default_factory=lambda: ["staging", "production"],
        min_length=1,
        description="deployment environments, in promotion order",
    )
    policy_pack: str = Field("baseline", description="a pack in policies/ (a folder name)")
    policy_vars: dict[str, Any] = Field(
        default_factory=dict,
        description="this model's values for the pack's vars (metric floors, tolerances), "
        "merged over the pack's defaults",
    )
    github: GitHubSettings = Field(
        default_factory=GitHubSettings, description="`o16n github protect` settings"
    )
    teams: dict[str, list[str]] = Field(
        default_factory=dict,
        description="for approvals from git trailers: members (e-mails) of the teams and "
        "handles in CODEOWNERS, e.g. '@org/ml-governance': [ann@example.com]",
    )


def load(project: Path) -> ProjectConfig:
    """o16n.yaml, or defaults from the directory name when the project has none."""
    path = project / FILE
    if not path.is_file():
        return ProjectConfig(model=project.resolve().name)
    return load_model(path, ProjectConfig)
