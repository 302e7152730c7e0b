"""Checks return what they found and `evaluate` collects it: the `Inputs` cache holds only what
was read, so one cache serves any number of evaluations, and the report's drift, distributions,
dataset drift share and metrics come from the checks' results alone."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from o16n.config.health import HealthConfig
from o16n.health.checks import CHECKS, Inputs, collect, evaluate
from o16n.health.findings import CheckResult, Distribution, Finding, MetricComparison
from o16n.health.stats import drift
from o16n.health.stats.codec import to_json
from o16n.health.stats.columns import profile_frame
from o16n.health.stats.outcome import ColumnDrift


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A reference profile and current data where `a` drifted and `b` did not."""
    rng = np.random.default_rng(3)
    n = 2000
    reference = pd.DataFrame({"a": rng.normal(0, 1, n), "b": rng.normal(0, 1, n)})
    current = pd.DataFrame({"a": rng.normal(2, 1, n), "b": rng.normal(0, 1, n)})
    (tmp_path / "reference.json").write_text(to_json(profile_frame(reference)))
    current.to_csv(tmp_path / "current.csv", index=False)
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.9}))
    return tmp_path


def config(*triggers: dict[str, object]) -> HealthConfig:
    return HealthConfig.model_validate({"triggers": list(triggers)})


DRIFT = {"id": "drift", "check": "column_drift"}
DATASET = {"id": "dataset", "check": "dataset_drift", "params": {"share": 0.4}}


def test_a_drift_check_returns_each_columns_drift_and_distribution(
    project: Path,
) -> None:
    inputs = Inputs(project, "reference.json", "current.csv")
    [trigger] = config(DRIFT).triggers
    result = CHECKS["column_drift"](trigger, inputs)
    assert [(d.column, d.kind, d.drifted) for d in result.drift] == [
        ("a", "numeric", True),
        ("b", "numeric", False),
    ]
    assert [d.column for d in result.distributions] == ["a", "b"]  # a chart for every column
    assert [f.column for f in result.findings] == ["a", "b"]
    assert result.dataset_drift_share is None and result.metrics == ()


def test_the_inputs_cache_holds_only_what_was_read_or_measured(project: Path) -> None:
    """Checks leave no verdict in the cache: what they read stays as read, and what they
    measured on the two profiles (each column's drift, its distributions) is shared by the two
    drift checks, computed once."""
    inputs = Inputs(project, "reference.json", "current.csv")
    inputs.reference_profile(), inputs.current_profile(), inputs.metrics("metrics.json")
    read = copy.copy(vars(inputs))
    cached = {
        name: dict(value)
        for name, value in read.items()
        if isinstance(value, dict) and name != "_measured"
    }
    calls: list[str] = []
    real = drift.column_drift

    def counted(*args: object, **kwargs: object) -> object:
        calls.append(str(args[2]))
        return real(*args, **kwargs)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(drift, "column_drift", counted)
        evaluate(
            config(
                DRIFT, DATASET, {"id": "acc", "check": "metric", "params": {"metric": "accuracy"}}
            ),
            inputs,
        )
    assert vars(inputs).keys() == read.keys()
    after = {k: v for k, v in vars(inputs).items() if isinstance(v, dict) and k != "_measured"}
    assert after == cached
    assert sorted(calls) == ["a", "b"]  # two drift checks, each column measured once
    assert {key[0] for key in inputs._measured} == {"drift", "distribution"}


def test_one_cache_serves_two_evaluations_each_with_its_own_results(project: Path) -> None:
    inputs = Inputs(project, "reference.json", "current.csv")
    first = evaluate(config(DRIFT, DATASET), inputs)
    second = evaluate(config({"id": "rows", "check": "row_count"}), inputs)
    assert first.dataset_drift_share == pytest.approx(0.5)
    assert [d.column for d in first.drift] == ["a", "b"]
    assert (second.drift, second.distributions, second.dataset_drift_share) == ((), (), None)
    assert [f.trigger for f in second.findings] == ["rows"]


def finding(trigger: str) -> Finding:
    return Finding(trigger, "column_drift", "ok", "")


def drifted(column: str, method: str, value: float) -> ColumnDrift:
    return ColumnDrift(column, "numeric", method, value, 0.1, value >= 0.1)


def shares(column: str, share: float) -> Distribution:
    return Distribution(column, ("low", "high"), (0.5, 0.5), (share, 1 - share))


def test_results_are_collected_in_trigger_order() -> None:
    report = collect(
        [
            CheckResult(
                (finding("one"),),
                drift=(drifted("a", "wasserstein", 0.3), drifted("b", "wasserstein", 0.0)),
                distributions=(shares("a", 0.9),),
                dataset_drift_share=0.5,
                metrics=(MetricComparison("accuracy", 0.9),),
            ),
            CheckResult(
                (finding("two"),),
                drift=(drifted("a", "psi", 0.2),),
                distributions=(shares("a", 0.1),),
                dataset_drift_share=0.25,
                metrics=(MetricComparison("accuracy", 0.9, 0.8, "main (abc1234)"),),
            ),
            CheckResult((finding("three"),), metrics=(MetricComparison("accuracy", 0.9),)),
        ],
        {"reference": "reference.json", "current": "current.csv"},
    )
    assert [f.trigger for f in report.findings] == ["one", "two", "three"]
    # a column checked twice keeps its place and shows the later trigger's drift
    assert [(d.column, d.method) for d in report.drift] == [("a", "psi"), ("b", "wasserstein")]
    assert report.distributions == (shares("a", 0.9),)  # the same profiles: the first is kept
    assert report.dataset_drift_share == 0.25
    assert report.metrics == (MetricComparison("accuracy", 0.9, 0.8, "main (abc1234)"),)
    assert report.inputs == {"reference": "reference.json", "current": "current.csv"}


def test_a_numbers_only_drift_method_on_categories_is_a_config_error(tmp_path: Path) -> None:
    from o16n.errors import ConfigError

    frame = pd.DataFrame({"n": [1.0, 2.0, 3.0] * 10, "c": ["a", "b", "c"] * 10})
    frame.to_csv(tmp_path / "d.csv", index=False)
    spec = HealthConfig.model_validate(
        {"triggers": [{"id": "d", "check": "column_drift", "params": {"method": "ks"}}]}
    ).triggers[0]
    inputs = Inputs(tmp_path, reference="d.csv", current="d.csv")
    with pytest.raises(ConfigError, match=r"d\.params\.method: ks compares numbers; column 'c'"):
        CHECKS["column_drift"](spec, inputs)


def test_a_drift_score_that_cannot_be_computed_fails_with_a_message_not_a_crash() -> None:
    """A NaN score graded with only `warn` has no threshold to print; it still fails."""
    from o16n.health.checks import data

    spec = HealthConfig.model_validate(
        {"triggers": [{"id": "d", "check": "column_drift", "params": {"method": "psi"}, "warn": 1}]}
    ).triggers[0]
    found = data._column_finding(spec, ColumnDrift("x", "numeric", "psi", float("nan"), 0.1, False))  # type: ignore[arg-type]
    assert (found.severity, found.message) == ("fail", "x: drift not measurable (psi = —)")
