"""Which health triggers apply: health.yaml, or the defaults for ad-hoc use on any data."""

from __future__ import annotations

from pathlib import Path

from o16n.config.health import HealthConfig
from o16n.config.yamlfile import load_model
from o16n.errors import UsageError

# Without a config: data quality and drift on every column (Evidently's defaults for drift).
DEFAULT_TRIGGERS = [
    {"id": "schema", "check": "schema"},
    {"id": "missing-values", "check": "missing_share", "warn": 0.05},
    {"id": "out-of-range", "check": "out_of_range", "warn": 0.05},
    {"id": "unseen-categories", "check": "unseen_categories", "warn": 0.01},
    {"id": "duplicate-rows", "check": "duplicate_rows", "warn": 0.05},
    {"id": "constant-columns", "check": "constant_columns"},
    {"id": "row-count", "check": "row_count", "warn": 0.1},
    {"id": "column-drift", "check": "column_drift"},
    {"id": "dataset-drift", "check": "dataset_drift"},
]


def default_config() -> HealthConfig:
    return HealthConfig.model_validate({"triggers": DEFAULT_TRIGGERS})


def resolve_config(
    project: Path, config: Path | None, reference: str | None, current: str | None
) -> tuple[HealthConfig, str | None, str | None]:
    """The config and the reference/current paths; flags win over what health.yaml names."""
    path = config if config is not None else project / "health.yaml"
    if config is None and not path.is_file():
        if reference is None or current is None:
            raise UsageError(
                f"no {path} and no --reference/--current",
                hint="pass --config health.yaml, or --reference REF --current CUR for the defaults",
            )
        return default_config(), _absolute(reference), _absolute(current)
    loaded = load_model(path, HealthConfig)
    return loaded, _absolute(reference) or loaded.reference, _absolute(current) or loaded.current


def _absolute(path: str | None) -> str | None:
    # Paths given on the command line are relative to where o16n runs, not to --project.
    return None if path is None else str(Path(path).resolve())
