"""o16n.yaml: what o16n needs to know about a model repository beyond its pipeline.

The model's name, its environments, the policy pack in force, and, for the `git` review
provider, who belongs to the teams that CODEOWNERS names (git knows e-mails, not teams).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, model_validator

from o16n.config.engine import EngineConfig
from o16n.config.yamlfile import Strict, load_model
from o16n.errors import UsageError

PROJECT_FILE = "o16n.yaml"


class GitHubSettings(Strict):
    branch: str = Field("main", description="the protected branch")
    required_checks: list[str] = Field(
        default_factory=lambda: ["check", "o16n/gate"],
        description="status checks that must pass before merging",
    )
    required_approvals: int = Field(1, ge=0, le=6, description="approving reviews required")
    code_owner_reviews: bool = Field(True, description="code owners must approve their paths")
    dismiss_stale_reviews: bool = Field(True, description="a new push dismisses approvals")
    enforce_admins: bool = Field(False, description="the rules apply to admins too")


class KServeConfig(Strict):
    namespace: str = Field("models", description="namespace of the InferenceService")
    storage: str = Field(
        "", description="the shared DVC remote's URL (s3://, gs://, ...): storageUri's base"
    )
    repo_url: str = Field("", description="the git URL Argo CD syncs deploy/<env>/ from")
    revision: str | None = Field(
        None,
        description="the branch Argo CD tracks: where deploys push the desired state, "
        "github.branch (unset: that branch; another one is an error: no deploy lands there)",
    )
    argocd_namespace: str = Field("argocd", description="where Argo CD runs")
    argocd_project: str = Field("default", description="the Argo CD project")
    destination_server: str = Field(
        "https://kubernetes.default.svc", description="the cluster Argo CD deploys to"
    )
    service_account: str | None = Field(
        None, description="a service account whose secrets hold the storage credentials"
    )


class ServingConfig(Strict):
    target: Literal["local", "kserve"] = Field(
        "local", description="local: `o16n serve` runs MLServer; kserve: manifests for Argo CD"
    )
    model_file: str = Field(
        "models/model.joblib", description="the pipeline output MLServer loads (a joblib file)"
    )
    profile: str = Field(
        "models/reference_profile.json",
        description="the reference profile written with the model (smoke tests, monitoring)",
    )
    label: str = Field("target", description="the column the model predicts: not an input")
    host: str = Field("127.0.0.1", description="where `o16n serve` listens")
    ports: dict[str, int] = Field(
        default_factory=dict,
        description="`o16n serve` port per environment; default 8080 + the environment's index",
    )
    kserve: KServeConfig = Field(default_factory=KServeConfig)

    def port(self, env: str, environments: list[str]) -> int:
        if env in self.ports:
            return self.ports[env]
        return 8080 + (environments.index(env) if env in environments else len(environments))


class MonitoringConfig(Strict):
    env: str = Field("production", description="the environment whose traffic is monitored")
    batches: str = Field(
        "data/production", description="a folder of production batches (CSV or Parquet)"
    )
    retrain_workflow: str | None = Field(
        None, description="a workflow file to dispatch when a trigger fires, e.g. retrain.yml"
    )
    engine: EngineConfig | None = Field(
        None, description="where batches are profiled (default: health.yaml's `engine`)"
    )


_DURATION = re.compile(r"^([1-9][0-9]{0,4})([dw])$")


def days(duration: str) -> int:
    """A duration as o16n.yaml writes it (`180d`, `26w`) in days."""
    found = _DURATION.match(duration)
    if found is None:
        raise ValueError(f"{duration!r} is not a duration: write days or weeks, e.g. 180d or 26w")
    count, unit = int(found.group(1)), found.group(2)
    return count * (7 if unit == "w" else 1)


def _duration(value: str) -> str:
    days(value)
    return value


Duration = Annotated[
    str, AfterValidator(_duration), Field(json_schema_extra={"pattern": _DURATION.pattern})
]


class RevalidationConfig(Strict):
    """SR 11-7's periodic revalidation: a version validated longer ago than `every` may not be
    deployed until `o16n gate --stage revalidate` passes for it again; `o16n monitor` opens a
    reminder issue `remind` before it falls due."""

    every: Duration = Field(description="how long a validation holds, in days or weeks (180d, 26w)")
    remind: Duration = Field(
        "30d", description="how long before it falls due the monitor opens a reminder issue"
    )

    @property
    def every_days(self) -> int:
        return days(self.every)

    @property
    def remind_days(self) -> int:
        return days(self.remind)

    @model_validator(mode="after")
    def _remind_within_every(self) -> RevalidationConfig:
        if self.remind_days > self.every_days:
            raise ValueError(
                f"remind ({self.remind}) is longer than every ({self.every}): the reminder "
                "would open before the last validation; make remind shorter than every"
            )
        return self


class ProjectConfig(Strict):
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
    serving: ServingConfig = Field(default_factory=ServingConfig)
    monitoring: MonitoringConfig = Field(default_factory=MonitoringConfig)
    revalidation: RevalidationConfig | None = Field(
        None,
        description="periodic revalidation (governance-owned: read as on the base branch); "
        "unset: validations do not expire",
    )
    teams: dict[str, list[str]] = Field(
        default_factory=dict,
        description="for approvals from git trailers: members (e-mails) of the teams and "
        "handles in CODEOWNERS, e.g. '@org/ml-governance': [ann@example.com]",
    )

    @model_validator(mode="before")
    @classmethod
    def _argo_follows_the_desired_state(cls, data: Any) -> Any:
        """Argo CD tracks the branch deploys push the desired state to (github.branch): unset,
        `serving.kserve.revision` is that branch; another would sync a branch no deploy lands
        on. (Before validation: the models are frozen; shapes that are wrong are left to it.)"""
        if not isinstance(data, dict):
            return data
        github, serving = data.get("github") or {}, data.get("serving") or {}
        kserve = serving.get("kserve") or {} if isinstance(serving, dict) else None
        if not isinstance(github, dict) or not isinstance(kserve, dict):
            return data
        branch = github.get("branch", "main")
        revision = kserve.get("revision")
        if revision is not None and revision != branch:
            raise ValueError(
                f"serving.kserve.revision is {revision!r} but deploys push the desired state to "
                f"github.branch {branch!r}: set revision to {branch!r} or remove it"
            )
        kserve = {**kserve, "revision": branch}
        return {**data, "serving": {**serving, "kserve": kserve}}


def require_environment(config: ProjectConfig, env: str) -> None:
    """`--env ENV` names one of o16n.yaml's environments, or a UsageError lists them."""
    if env not in config.environments:
        raise UsageError(
            f"--env {env}: not an environment of o16n.yaml",
            hint=f"one of: {', '.join(config.environments)}",
        )


def load_project(project: Path) -> ProjectConfig:
    """o16n.yaml, or defaults from the directory name when the project has none."""
    path = project / PROJECT_FILE
    if not path.is_file():
        return ProjectConfig(model=project.resolve().name)
    return load_model(path, ProjectConfig)
