"""`o16n kpi` on a generated project: the value per 1,000 predictions, the best threshold, and
the same for the model on main (its predictions read from the DVC cache at that revision)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o16n.config.kpis import KPIConfig
from o16n.errors import ConfigError
from o16n.health.kpi import from_predictions, model_threshold
from tests.conftest import BIN, Bake, run

CONFIG = KPIConfig.model_validate(
    {
        "kpi": {
            "kind": "classification",
            "unit": "EUR",
            "value": {"true_positive": 1, "false_positive": -1, "false_negative": -1},
        }
    }
)


def test_predictions_without_probability_are_named() -> None:
    with pytest.raises(ConfigError, match=r"p.csv: column 'probability' not found"):
        from_predictions("actual,prediction\n1,1\n", "p.csv", CONFIG, 0.5)


def test_threshold_comes_from_params_yaml(tmp_path: Path) -> None:
    (tmp_path / "params.yaml").write_text("evaluate:\n  threshold: 0.7\n")
    assert model_threshold(tmp_path, CONFIG) == 0.7
    assert model_threshold(tmp_path / "elsewhere", CONFIG) == 0.5


@pytest.mark.slow
def test_kpi_against_the_model_on_main(bake: Bake) -> None:
    project = bake()
    kpi = [BIN / "o16n", "kpi", "--format", "json"]
    fresh = json.loads(run(*kpi, cwd=project).stdout)
    assert fresh["baseline"] == fresh["current"]  # main is this commit
    assert fresh["current"]["unit"] == "EUR" and fresh["current"]["threshold"] == 0.5

    run("git", "switch", "--quiet", "-c", "cautious", cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("threshold: 0.5", "threshold: 0.9"))
    run(BIN / "dvc", "repro", cwd=project, PYTHONPATH=str(project / "src"))
    changed = json.loads(run(*kpi, cwd=project).stdout)
    assert changed["current"]["threshold"] == 0.9
    assert changed["baseline"]["threshold"] == 0.5  # the model on main, at its own threshold
    assert changed["baseline"] == fresh["baseline"]
    assert changed["current"]["best_per_1000"] == pytest.approx(fresh["current"]["best_per_1000"])
    text = run(BIN / "o16n", "kpi", cwd=project).stdout
    assert "expected value per 1,000 predictions (EUR)" in text
    assert "baseline (main)" in text
