"""lifecycle.pull_request.gate_state: the o16n/gate commit status from reports/decision.json, and
an error status (never a success) when the decision is missing, unreadable or unknown."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from o16n.lifecycle.pull_request import gate_state


def decision(tmp_path: Path, verdict: object, *failed: str) -> Path:
    path = tmp_path / "decision.json"
    rules = [{"id": rule, "outcome": "fail"} for rule in failed] + [{"id": "ok", "outcome": "pass"}]
    path.write_text(json.dumps({"verdict": verdict, "rules": rules}))
    return path


@pytest.mark.parametrize(
    ("verdict", "expected"),
    [("pass", ("success", "gate passed")), ("warn", ("success", "gate passed with warnings"))],
)
def test_a_passing_gate_is_a_success(tmp_path: Path, verdict: str, expected: tuple) -> None:
    assert gate_state(decision(tmp_path, verdict)) == expected


def test_a_failed_gate_names_its_failing_rules(tmp_path: Path) -> None:
    state = gate_state(decision(tmp_path, "fail", "metric-floors", "no-regression"))
    assert state == ("failure", "gate failed: metric-floors, no-regression")


def test_no_decision_is_an_error_status(tmp_path: Path) -> None:
    state = gate_state(tmp_path / "decision.json")
    assert state == ("error", "no gate decision: `o16n check` did not reach the gate")


def test_a_decision_that_is_not_json_is_an_error_status(tmp_path: Path) -> None:
    (tmp_path / "decision.json").write_text("{not json")
    assert gate_state(tmp_path / "decision.json") == ("error", "decision.json is not valid JSON")


@pytest.mark.parametrize("verdict", [None, "passed", True])
def test_an_unknown_verdict_is_an_error_status_not_a_success(
    tmp_path: Path, verdict: object
) -> None:
    state, description = gate_state(decision(tmp_path, verdict))
    assert state == "error" and description.startswith("unknown verdict")
