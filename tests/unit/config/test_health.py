"""health.yaml: every example in examples/health/positive loads; every negative one fails with
the error its first line names (file:line: key: message), and the shipped JSON Schema agrees."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from o16n.config.health import HealthConfig
from o16n.config.schemas import SCHEMAS, generate, schema_path
from o16n.config.yamlfile import load_model
from o16n.errors import ConfigError, shown_path
from tests.conftest import ROOT

EXAMPLES = ROOT / "tests" / "examples" / "health"
POSITIVE = sorted((EXAMPLES / "positive").glob("*.yaml"))
NEGATIVE = sorted((EXAMPLES / "negative").glob("*.yaml"))
# Rules JSON Schema cannot state (unique ids across items, one-of-two checks across fields),
# duplicate keys and YAML syntax: caught by the loader only.
LOADER_ONLY = {"duplicate-id", "drift-thresholds-without-method", "tolerance-both",
               "duplicate-key", "bad-yaml", "empty"}  # fmt: skip


def expected_error(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# error: "), f"{path.name}: first line must say the expected error"
    return first.removeprefix("# error: ")


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.stem)
def test_positive_example_loads(path: Path) -> None:
    config = load_model(path, HealthConfig)
    assert config.triggers


@pytest.mark.parametrize("path", NEGATIVE, ids=lambda p: p.stem)
def test_negative_example_names_file_line_and_key(path: Path) -> None:
    with pytest.raises(ConfigError) as error:
        load_model(path, HealthConfig)
    where, _, text = _split(expected_error(path))
    assert str(error.value).startswith(f"{shown_path(path)}{where}: ")  # relative from here
    assert text in str(error.value)


def _split(expected: str) -> tuple[str, str, str]:
    """':5: key: message' -> (':5', '', 'key: message'); 'message' -> ('', '', 'message')."""
    if expected.startswith(":"):
        line, rest = expected[1:].split(": ", 1)
        return f":{line}", "", rest
    return "", "", expected


@pytest.mark.parametrize("path", POSITIVE, ids=lambda p: p.stem)
def test_shipped_schema_accepts_positive_example(path: Path) -> None:
    jsonschema.validate(
        yaml.safe_load(path.read_text()), json.loads(schema_path("health").read_text())
    )


@pytest.mark.parametrize(
    "path", [p for p in NEGATIVE if p.stem not in LOADER_ONLY], ids=lambda p: p.stem
)
def test_shipped_schema_rejects_negative_example(path: Path) -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            yaml.safe_load(path.read_text()), json.loads(schema_path("health").read_text())
        )


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_shipped_schema_is_current(name: str) -> None:
    """Regenerate with `python -m o16n.config.schemas` after changing a config model."""
    assert json.loads(schema_path(name).read_text()) == generate(name)


def test_every_check_kind_has_exactly_one_check_function() -> None:
    from typing import get_args

    from o16n.config.health import AnyTrigger
    from o16n.health.checks import CHECKS

    models = get_args(get_args(AnyTrigger)[0])
    kinds = {get_args(model.model_fields["check"].annotation)[0] for model in models}
    assert kinds == set(CHECKS)


def test_a_check_error_is_placed_at_its_trigger_even_in_a_filtered_copy(tmp_path: Path) -> None:
    """monitor runs a copy without some triggers: the line is found by id, not position."""
    from o16n.config.health import load_health, located

    path = tmp_path / "health.yaml"
    path.write_text(
        "triggers:\n  - {id: acc, check: metric, params: {metric: accuracy}}\n"
        "  - id: drift\n    check: column_drift\n    columns:\n      - x\n"
    )
    loaded = load_health(path)
    copy = loaded.model_copy(update={"triggers": loaded.triggers[1:]})
    (drift,) = copy.triggers
    placed = located(
        copy, drift, ConfigError("column 'x' is not in the reference", key="drift.columns")
    )
    assert str(placed) == f"{path}:5: drift.columns: column 'x' is not in the reference"
    elsewhere = ConfigError("model file not found", file="m.joblib", key="drift.params.model")
    assert located(copy, drift, elsewhere) is elsewhere  # it names its own file already
    assert copy.source == path and load_model(path, HealthConfig).source is None
