"""What checks read, loaded once and shared: tables, metrics, the model, git baselines, the
reference and current profiles, and what is measured on the two profiles alone (a column's
drift by one method, its distributions), which two drift checks would otherwise compute twice.

A read-only cache: it holds only what was read or measured, never what a check found (checks
grade the measures and return that).
Every read failure becomes a ConfigError that names the file (exit 2), never a pass.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from o16n.adapters import git
from o16n.config import dataschema
from o16n.errors import ConfigError
from o16n.health.engines import Engine, profile_source
from o16n.health.stats import locations
from o16n.health.stats.files import load_profile
from o16n.health.stats.model import Profile

if TYPE_CHECKING:
    import pandas as pd

T = TypeVar("T")


def read_table(path: Path) -> pd.DataFrame:
    """A CSV or Parquet file as a DataFrame."""
    import pandas as pd

    try:
        if path.suffix.lower() in (".parquet", ".pq"):
            return pd.read_parquet(path)
        return pd.read_csv(path)
    except FileNotFoundError:
        raise ConfigError(
            "data file not found", file=path, hint="run `dvc repro` or `dvc pull`"
        ) from None
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ConfigError(f"cannot read the data: {exc}", file=path) from None


@dataclass
class Inputs:
    project: Path
    reference: str | None = None  # a profile (.json) or a data file
    current: str | None = None  # a data file
    engine: Engine = field(default_factory=Engine)  # where data files are profiled
    _profiles: dict[str, Profile] = field(default_factory=dict)
    _tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    _metrics: dict[str, dict[str, Any]] = field(default_factory=dict)
    _models: dict[str, Any] = field(default_factory=dict)
    _data_changes: dict[str, dataschema.Comparison] = field(default_factory=dict)
    _measured: dict[tuple[object, ...], Any] = field(default_factory=dict)

    def measured(self, key: tuple[object, ...], measure: Callable[[], T]) -> T:
        """`measure()` of the reference and current profiles, once per `key` (which names the
        measure and its arguments)."""
        if key not in self._measured:
            self._measured[key] = measure()
        return self._measured[key]  # type: ignore[no-any-return]

    def path(self, relative: str) -> Path:
        return self.project / relative

    def source(self, relative: str) -> str:
        """Where a table is read from: a URL as it is, a path relative to the project."""
        return locations.resolve(relative, self.project)

    def read_table(self, relative: str) -> pd.DataFrame:
        if relative not in self._tables:
            self._tables[relative] = read_table(self.path(relative))
        return self._tables[relative]

    def metrics(self, relative: str) -> dict[str, Any]:
        if relative not in self._metrics:
            self._metrics[relative] = _parse_metrics(
                self.path(relative).read_bytes() if self.path(relative).is_file() else None,
                self.path(relative),
            )
        return self._metrics[relative]

    def metric_value(self, relative: str, name: str) -> float:
        values = self.metrics(relative)
        if name not in values or not isinstance(values[name], int | float):
            raise ConfigError(
                f"metric {name!r} is not a number in the file",
                file=self.path(relative),
                hint=f"it has: {', '.join(sorted(values)) or 'nothing'}",
            )
        return float(values[name])

    def baseline_revision(self, spec: str, base_branch: str) -> tuple[str, str]:
        """`merge-base`: where this branch left `base_branch`; anything else: a git revision."""
        if spec == "merge-base":
            ran = git.run("merge-base", "HEAD", base_branch, project=self.project)
            where = f"merge base with {base_branch}"
            sha = ran.output.strip().splitlines()[-1] if ran.ok and ran.output.strip() else None
        else:
            where, sha = spec, git.commit_of(spec, self.project)
        if sha is None:
            raise ConfigError(
                f"baseline revision not found: {where}",
                hint="fetch it (actions/checkout with fetch-depth: 0) or set params.baseline",
            )
        return sha, f"{where} ({sha[:7]})"

    def metrics_at(self, revision: str, relative: str) -> dict[str, Any] | None:
        ran = git.run("show", f"{revision}:{relative}", project=self.project)
        return (
            _parse_metrics(ran.output.encode(), Path(f"{revision[:7]}:{relative}"))
            if ran.ok
            else None
        )

    def data_changes(self, revision: str) -> dataschema.Comparison:
        """How the data the model learns from changed since `revision` (dataschema's one
        definition): when it did, metrics and KPIs do not compare with that revision's model."""
        if revision not in self._data_changes:

            def here(relative: str) -> str | None:
                path = self.path(relative)
                return path.read_text(encoding="utf-8") if path.is_file() else None

            self._data_changes[revision] = dataschema.compare(
                lambda relative: git.read_at_revision(relative, revision, self.project),
                here,
                revision[:7],
                "checkout",
            )
        return self._data_changes[revision]

    def load_model(self, relative: str) -> Any:
        if relative not in self._models:
            import joblib

            path = self.path(relative)
            try:
                self._models[relative] = joblib.load(path)
            except FileNotFoundError:
                raise ConfigError(
                    "model file not found", file=path, hint="run `dvc repro` (or `dvc pull`) first"
                ) from None
            except Exception as exc:  # a corrupt or incompatible pickle: name it, do not crash
                raise ConfigError(
                    f"cannot load the model: {type(exc).__name__}: {exc}", file=path
                ) from None
        return self._models[relative]

    def reference_profile(self) -> Profile:
        if "reference" not in self._profiles:
            if self.reference is None:
                raise ConfigError(
                    "no reference given", hint="set `reference:` in health.yaml or pass --reference"
                )
            source = self.source(self.reference)
            self._profiles["reference"] = (
                load_profile(source)
                if self.engine.default or source.lower().endswith(".json")
                else profile_source(source, self.engine)
            )
        return self._profiles["reference"]

    def current_profile(self) -> Profile:
        """The current data, profiled on the reference's bins."""
        if "current" not in self._profiles:
            if self.current is None:
                raise ConfigError(
                    "no current data given", hint="set `current:` in health.yaml or pass --current"
                )
            reference = self.reference_profile()
            current = profile_source(self.source(self.current), self.engine, like=reference)
            if reference.columns and not set(reference.columns) & set(current.columns):
                raise ConfigError(
                    "the data shares no column with the reference profile",
                    file=self.source(self.current),
                    hint=f"is {self.reference} a profile of another dataset? "
                    f"It has: {', '.join(list(reference.columns)[:8])}",
                )
            self._profiles["current"] = current
        return self._profiles["current"]


def _parse_metrics(raw: bytes | None, path: Path) -> dict[str, Any]:
    if raw is None:
        raise ConfigError("metrics file not found", file=path, hint="run `dvc repro` first")
    try:
        values = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"invalid JSON: {exc.msg}", file=path, line=exc.lineno) from None
    if not isinstance(values, dict):
        raise ConfigError("a metrics file must hold one JSON object", file=path)
    return values
