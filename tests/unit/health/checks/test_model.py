"""Model checks: metric floors and ceilings, regression against a git baseline, latency, model
size, and fairness, which must agree with fairlearn's own implementation."""

from __future__ import annotations

import json
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from fairlearn import metrics as fairlearn_metrics
from sklearn.dummy import DummyClassifier

from o16n.config.health import HealthConfig
from o16n.errors import ConfigError
from o16n.health.checks import CHECKS, Inputs, model
from tests.conftest import run


def trigger(**fields: object) -> object:
    return HealthConfig.model_validate({"triggers": [fields]}).triggers[0]


def check(project: Path, **fields: object) -> tuple:
    spec = trigger(**fields)
    return CHECKS[spec.check](spec, Inputs(project)).findings  # type: ignore[attr-defined]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A git repo: main has accuracy 0.90 and mae 10; the working branch has 0.85 and 12."""
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.90, "mae": 10.0}))
    run("git", "add", "metrics.json", cwd=tmp_path)
    run("git", "commit", "--quiet", "-m", "baseline", cwd=tmp_path)
    run("git", "switch", "--quiet", "-c", "change", cwd=tmp_path)
    (tmp_path / "metrics.json").write_text(json.dumps({"accuracy": 0.85, "mae": 12.0}))
    run("git", "commit", "--quiet", "-am", "change", cwd=tmp_path)
    return tmp_path


@pytest.mark.parametrize(
    ("warn", "fail", "severity"),
    [(0.8, 0.7, "ok"), (0.9, 0.8, "warn"), (0.95, 0.86, "fail")],
)
def test_metric_floor(project: Path, warn: float, fail: float, severity: str) -> None:
    [finding] = check(
        project, id="acc", check="metric", params={"metric": "accuracy"}, warn=warn, fail=fail
    )
    assert (finding.severity, finding.value) == (severity, 0.85)


def test_error_metric_is_a_ceiling(project: Path) -> None:
    [finding] = check(project, id="mae", check="metric", params={"metric": "mae"}, fail=11)
    assert finding.severity == "fail"
    assert finding.message == "mae = 12 (fails above 11)"


def test_metric_message_names_the_warning_and_the_fail_level(project: Path) -> None:
    """A warning level is not a floor: 0.9 warns, 0.8 fails; the message says which is which."""
    params = {"metric": "accuracy"}
    [finding] = check(project, id="acc", check="metric", params=params, warn=0.9, fail=0.8)
    assert finding.severity == "warn"
    assert finding.message == "accuracy = 0.85 (warns below 0.9, fails below 0.8)"


def test_missing_metric_is_a_config_error_listing_the_known_ones(project: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"(?s)metric 'f1' is not a number in the file.*it has: accuracy, mae"
    ):
        check(project, id="f1", check="metric", params={"metric": "f1"}, fail=0.5)


def test_regression_against_the_merge_base(project: Path) -> None:
    findings = check(
        project,
        id="reg",
        check="regression",
        params={"metrics": ["accuracy", "mae"], "tolerance": {"absolute": 0.03}},
    )
    by_metric = {f.message.split(":")[0]: f for f in findings}
    assert by_metric["accuracy"].severity == "fail"  # 0.05 worse, tolerance 0.03
    assert by_metric["accuracy"].value == pytest.approx(0.05)
    assert by_metric["mae"].severity == "fail"  # 2.0 worse (higher error)
    assert "regressed (absolute tolerance 0.03)" in by_metric["accuracy"].message
    assert "merge base with main (" in by_metric["accuracy"].message


def test_relative_tolerance_lets_a_small_regression_through(project: Path) -> None:
    [finding] = check(
        project,
        id="reg",
        check="regression",
        params={"metrics": ["accuracy"], "tolerance": {"relative": 0.1}},
    )
    assert finding.severity == "ok"  # 0.05 worse, allowed 0.09
    assert finding.threshold == pytest.approx(0.09)


def test_regression_without_a_baseline_fails_closed(project: Path) -> None:
    [finding] = check(
        project,
        id="reg",
        check="regression",
        params={"metrics": ["accuracy"], "baseline": "HEAD"},
    )
    assert finding.severity == "ok"
    (project / "metrics.json").write_text(json.dumps({"accuracy": 0.85, "f1": 0.7}))
    [finding] = check(project, id="reg", check="regression", params={"metrics": ["f1"]})
    assert finding.severity == "fail"
    assert "no baseline value" in finding.message


def test_unknown_baseline_revision_is_a_config_error(project: Path) -> None:
    with pytest.raises(ConfigError, match="baseline revision not found: nope"):
        check(
            project,
            id="reg",
            check="regression",
            params={"metrics": ["accuracy"], "baseline": "nope"},
        )


@pytest.fixture
def fitted(tmp_path: Path) -> Path:
    rows = pd.DataFrame({"x": np.arange(50.0), "target": np.arange(50) % 2})
    (tmp_path / "data").mkdir()
    rows.to_csv(tmp_path / "data" / "test.csv", index=False)
    joblib.dump(DummyClassifier().fit(rows[["x"]], rows["target"]), tmp_path / "model.joblib")
    return tmp_path


def test_latency_is_measured_and_graded(fitted: Path) -> None:
    params = {"model": "model.joblib", "data": "data/test.csv", "batch": 120, "repeats": 5}
    [finding] = check(fitted, id="lat", check="latency", params=params, fail=0.0)
    assert finding.severity == "fail" and finding.value > 0
    assert (
        finding.message.startswith("p95 latency ")
        and "per batch of 120 rows (5 calls)" in finding.message
    )


def test_rows_with_infinities_are_a_finding_and_the_rest_are_timed(fitted: Path) -> None:
    rows = pd.read_csv(fitted / "data" / "test.csv")
    rows.loc[:9, "x"] = np.inf
    rows.loc[10, "x"] = -np.inf
    rows.to_csv(fitted / "data" / "test.csv", index=False)
    params = {"model": "model.joblib", "data": "data/test.csv", "batch": 20, "repeats": 2}
    unscorable, timed = check(fitted, id="lat", check="latency", params=params)
    assert (unscorable.severity, unscorable.value) == ("fail", 11.0)
    assert unscorable.message == (
        "11 of 50 rows of data/test.csv cannot be scored: infinite values in 'x' (11); "
        "latency is timed on the other rows"
    )
    assert timed.severity == "ok" and timed.message.startswith("p95 latency ")


def test_a_model_that_raises_on_the_data_is_a_finding(tmp_path: Path) -> None:
    """scikit-learn's `Input X contains infinity`, or strings where it learned numbers: the
    check reports what the model said (exit 1), never a crash (exit 3)."""
    from sklearn.linear_model import LogisticRegression

    train = pd.DataFrame({"x": np.arange(50.0), "target": np.arange(50) % 2})
    joblib.dump(LogisticRegression().fit(train[["x"]], train["target"]), tmp_path / "m.joblib")
    pd.DataFrame({"x": ["a", "b"], "target": [0, 1]}).to_csv(tmp_path / "t.csv", index=False)
    params = {"model": "m.joblib", "data": "t.csv", "batch": 4, "repeats": 1}
    [finding] = check(tmp_path, id="lat", check="latency", params=params)
    assert finding.severity == "fail"
    assert finding.message.startswith("the model cannot score the rows of t.csv: ValueError:")
    pd.DataFrame({"x": [np.inf, -np.inf], "target": [0, 1]}).to_csv(tmp_path / "t.csv", index=False)
    [finding] = check(tmp_path, id="lat", check="latency", params=params)
    assert finding.message == ("2 of 2 rows of t.csv cannot be scored: infinite values in 'x' (2)")


def test_model_size_in_megabytes(fitted: Path) -> None:
    [finding] = check(
        fitted, id="size", check="model_size", params={"model": "model.joblib"}, warn=1
    )
    assert finding.severity == "ok"
    assert finding.value == pytest.approx((fitted / "model.joblib").stat().st_size / 1e6)


def test_corrupt_model_is_named(fitted: Path) -> None:
    (fitted / "model.joblib").write_bytes(b"not a pickle")
    with pytest.raises(ConfigError, match="model.joblib: cannot load the model"):
        check(
            fitted,
            id="lat",
            check="latency",
            params={"model": "model.joblib", "data": "data/test.csv"},
        )


FAIRLEARN = {
    "demographic_parity_difference": fairlearn_metrics.demographic_parity_difference,
    "demographic_parity_ratio": fairlearn_metrics.demographic_parity_ratio,
    "equalized_odds_difference": fairlearn_metrics.equalized_odds_difference,
}


@pytest.mark.parametrize("name", sorted(FAIRLEARN))
@pytest.mark.parametrize("seed", range(5))
def test_fairness_metric_agrees_with_fairlearn(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    y_true = pd.Series(rng.integers(0, 2, 300))
    y_pred = pd.Series(rng.integers(0, 2, 300))
    group = pd.Series(rng.choice(["a", "b", "c"], 300))
    ours = model.FAIRNESS[name](y_true, y_pred, group)
    theirs = FAIRLEARN[name](y_true, y_pred, sensitive_features=group)
    assert ours == pytest.approx(theirs)


def test_fairness_check_reads_predictions_and_groups(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("actual,prediction\n1,1\n0,1\n1,0\n0,0\n")
    (tmp_path / "d.csv").write_text("sex\nf\nf\nm\nm\n")
    params = {"sensitive": "sex", "predictions": "p.csv", "data": "d.csv"}
    [finding] = check(tmp_path, id="fair", check="fairness", params=params, fail=0.2)
    assert (finding.severity, finding.value, finding.column) == ("fail", 1.0, "sex")
    with pytest.raises(ConfigError, match="d.csv: fair.params: column 'age' not found"):
        check(tmp_path, id="fair", check="fairness", params={**params, "sensitive": "age"})


KPIS = """version: 1
predictions: predictions.csv
kpi:
  kind: classification
  name: expected value
  unit: EUR
  threshold: 0.5
  value: {true_positive: 10, false_positive: -5, false_negative: -20, true_negative: 0}
"""


def predictions(probabilities: list[float]) -> str:
    actual = [1, 1, 0, 0]
    rows = [f"{a},{int(p >= 0.5)},{p}" for a, p in zip(actual, probabilities, strict=True)]
    return "actual,prediction,probability\n" + "\n".join(rows) + "\n"


@pytest.fixture
def kpi_project(tmp_path: Path) -> Path:
    """main: a perfect model (10 + 10 per 4 rows); the branch misses one positive (10 - 20)."""
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    (tmp_path / "kpis.yaml").write_text(KPIS)
    (tmp_path / "predictions.csv").write_text(predictions([0.9, 0.8, 0.1, 0.2]))
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "commit", "--quiet", "-m", "baseline", cwd=tmp_path)
    run("git", "switch", "--quiet", "-c", "change", cwd=tmp_path)
    (tmp_path / "predictions.csv").write_text(predictions([0.9, 0.3, 0.1, 0.2]))
    run("git", "commit", "--quiet", "-am", "change", cwd=tmp_path)
    return tmp_path


def test_kpi_value_floor(kpi_project: Path) -> None:
    [finding] = check(kpi_project, id="value", check="kpi", warn=0.0, fail=-5000.0)
    assert finding.value == pytest.approx(-2500.0)  # (10 - 20) per 4 rows, per 1,000
    assert finding.severity == "warn"
    assert finding.message == (
        "expected value per 1,000 = -2,500 EUR (warns below 0, fails below -5,000)"
    )


def test_kpi_change_against_the_merge_base(kpi_project: Path) -> None:
    [finding] = check(
        kpi_project, id="change", check="kpi", params={"measure": "change"}, fail=-1000.0
    )
    assert finding.value == pytest.approx(-2500.0 - 5000.0)
    assert finding.severity == "fail"
    assert finding.message.startswith("expected value per 1,000 changed by -7,500 EUR vs ")
    [same] = check(
        kpi_project,
        id="change",
        check="kpi",
        params={"measure": "change", "baseline": "HEAD"},
        fail=-1000.0,
    )
    assert same.severity == "ok" and same.value == 0.0


# ---- the data changed: comparisons with the baseline model are skipped, not failed ----------

TITANIC = "data:\n  target: survived\n  positive: 1\n  numeric: [age]\n  categorical: [pclass]\n"


def declare(project: Path, on_main: str, on_branch: str) -> None:
    """params.yaml `data` as `on_main` at the merge base and `on_branch` in the checkout."""
    run("git", "switch", "--quiet", "main", cwd=project)
    (project / "params.yaml").write_text(on_main)
    run("git", "add", "params.yaml", cwd=project)
    run("git", "commit", "--quiet", "-m", "declare the data", cwd=project)
    run("git", "switch", "--quiet", "change", cwd=project)
    run("git", "rebase", "--quiet", "main", cwd=project)
    (project / "params.yaml").write_text(on_branch)


def test_regression_on_changed_data_is_not_comparable_not_a_failure(project: Path) -> None:
    declare(project, TITANIC, TITANIC.replace("survived", "sex"))
    [finding] = check(project, id="reg", check="regression", params={"metrics": ["accuracy"]})
    assert finding.severity == "ok"
    assert finding.message.startswith("not comparable: the data changed since merge base with")
    assert "(target: survived -> sex); skipped" in finding.message
    assert finding.method == "skipped: not comparable"


def test_regression_on_new_rows_of_the_same_table_still_compares(project: Path) -> None:
    declare(project, TITANIC, TITANIC + "  source: data/more.csv\n")
    findings = check(project, id="reg", check="regression", params={"metrics": ["accuracy"]})
    assert [f.severity for f in findings] == ["fail"]


def test_kpi_change_on_changed_data_is_not_comparable(kpi_project: Path) -> None:
    declare(kpi_project, TITANIC, TITANIC.replace("[age]", "[age, fare]"))
    [finding] = check(kpi_project, id="c", check="kpi", params={"measure": "change"}, fail=-1.0)
    assert finding.severity == "ok"
    assert "(columns added: fare)" in finding.message


def test_kpi_values_not_set_warn_and_are_not_graded(kpi_project: Path) -> None:
    zero = "value: {true_positive: 0, false_positive: 0, false_negative: 0, true_negative: 0}"
    (kpi_project / "kpis.yaml").write_text(KPIS.split("  value:")[0] + "  " + zero + "\n")
    for measure in ("value", "change"):
        [finding] = check(
            kpi_project, id="k", check="kpi", params={"measure": measure}, fail=1000.0
        )
        assert finding.severity == "warn" and finding.value is None
        assert finding.message.startswith(
            "the KPI values in kpis.yaml are not set (kpi.value.true_positive, "
        )


# ---- class balance ----------------------------------------------------------------------------


def balance_project(
    tmp_path: Path, positives: int, rows: int, predicted: list[int], as_json: bool = True
) -> Inputs:
    """A training table with `positives` of `rows` labelled 1 (as a profile, or as the CSV), and
    test predictions `predicted`."""
    from o16n.health.stats.codec import to_json
    from o16n.health.stats.files import profile_data

    tmp_path.mkdir(parents=True, exist_ok=True)
    train = pd.DataFrame({"x": range(rows), "target": [1] * positives + [0] * (rows - positives)})
    train.to_csv(tmp_path / "train.csv", index=False)
    reference = "train.csv"
    if as_json:
        (tmp_path / "profile.json").write_text(to_json(profile_data(tmp_path / "train.csv")))
        reference = "profile.json"
    (tmp_path / "data/predictions").mkdir(parents=True)
    pd.DataFrame({"prediction": predicted, "actual": predicted}).to_csv(
        tmp_path / "data/predictions/test.csv", index=False
    )
    return Inputs(tmp_path, reference=reference)


def balance(inputs: Inputs, **fields: object) -> tuple:
    spec = trigger(id="balance", check="class_balance", **fields)
    return model.class_balance(spec, inputs).findings  # type: ignore[arg-type]


def test_a_balanced_target_and_both_classes_predicted_are_ok(tmp_path: Path) -> None:
    share, classes = balance(balance_project(tmp_path, 40, 100, [0, 1, 1, 0]))
    assert (share.severity, share.value, share.column) == ("ok", 0.4, "target")
    assert share.message == "the positive class (1) is 40.0% of the 100 training rows"
    assert (classes.severity, classes.value) == ("ok", 2.0)
    assert classes.message == "the model predicts both classes: 50.0% of 4 test rows 1"


@pytest.mark.parametrize("as_json", [True, False])
def test_a_rare_positive_class_warns_by_default(tmp_path: Path, as_json: bool) -> None:
    share, _ = balance(balance_project(tmp_path, 5, 100, [0, 1], as_json=as_json))
    assert (share.severity, share.value, share.threshold) == ("warn", 0.05, 0.1)
    assert share.message.startswith(
        "the positive class (1) is 5.0% of the 100 training rows: rare, so accuracy says"
        " little (always predicting 0 scores 95.0%)"
    )


def test_thresholds_can_be_set_and_fail(tmp_path: Path) -> None:
    share, _ = balance(balance_project(tmp_path, 5, 100, [0, 1]), warn=0.2, fail=0.08)
    assert share.severity == "fail"


def test_predictions_of_one_class_only_warn(tmp_path: Path) -> None:
    _, classes = balance(balance_project(tmp_path, 40, 100, [0, 0, 0]))
    assert (classes.severity, classes.value) == ("warn", 1.0)
    assert classes.message.startswith(
        "the model predicts one class only (0) for all 3 test rows: it tells the classes apart"
    )
    _, failing = balance(balance_project(tmp_path / "b", 40, 100, [1, 1]), severity="fail")
    assert failing.severity == "fail" and "one class only (1)" in failing.message


def test_a_target_that_is_not_0_1_is_a_config_error(tmp_path: Path) -> None:
    inputs = balance_project(tmp_path, 40, 100, [0, 1])
    with pytest.raises(ConfigError, match=r"column 'x' of the reference is not a 0/1 target"):
        balance(inputs, params={"target": "x"})
    with pytest.raises(ConfigError, match=r"column 'y' is not in the reference"):
        balance(inputs, params={"target": "y"})


def test_predictions_without_the_column_name_the_file(tmp_path: Path) -> None:
    inputs = balance_project(tmp_path, 40, 100, [0, 1])
    (tmp_path / "data/predictions/test.csv").write_text("actual\n1\n")
    with pytest.raises(ConfigError, match=r"test.csv: balance.params.predictions: column 'pred"):
        balance(inputs)


def test_predictions_that_are_not_0_1_are_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "p.csv").write_text("actual,prediction\n1,yes\n0,no\n")
    (tmp_path / "d.csv").write_text("s\na\nb\n")
    params = {"sensitive": "s", "predictions": "p.csv", "data": "d.csv"}
    with pytest.raises(ConfigError, match="p.csv: f.params: column 'prediction' holds 'yes'"):
        check(tmp_path, id="f", check="fairness", params=params, fail=0.1)


def test_a_baseline_value_that_is_no_number_cannot_be_compared(project: Path) -> None:
    (project / "metrics.json").write_text(json.dumps({"accuracy": "n/a"}))
    run("git", "commit", "--quiet", "-am", "broken", cwd=project)
    run("git", "switch", "--quiet", "-c", "next", cwd=project)
    (project / "metrics.json").write_text(json.dumps({"accuracy": 0.9}))
    params = {"metrics": ["accuracy"], "baseline": "change"}
    [finding] = check(project, id="reg", check="regression", params=params)
    assert finding.severity == "fail"
    assert finding.message.startswith("accuracy: baseline value 'n/a' is no number in metrics.json")
