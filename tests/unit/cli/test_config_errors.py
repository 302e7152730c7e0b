"""Strict numbers through the commands people run: a quoted number or a boolean where a number
belongs in kpis.yaml or o16n.yaml's policy_vars is exit 2 naming file:line: key and the fix,
never a number read from text (health.yaml's cases are in test_health.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from o16n.cli import main as cli
from o16n.policy import pack
from tests.conftest import run

KPIS = (
    "kpi:\n  kind: regression\n  unit: EUR\n  cost_per_unit_under: {under}\n"
    "  cost_per_unit_over: 1\n"
)


def o16n(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = cli.main(list(args))
    return code, capsys.readouterr().err


@pytest.mark.parametrize(
    ("under", "expected"),
    [
        ('"1.5"', "kpis.yaml:4: kpi.cost_per_unit_under: must be a number, not the text '1.5'\n"
                  "  hint: remove the quotes: 1.5 is a number only without them"),
        ("true", "kpis.yaml:4: kpi.cost_per_unit_under: must be a number, not the boolean true"),
    ],
)  # fmt: skip
def test_kpi_refuses_a_quoted_or_boolean_cost(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], under: str, expected: str
) -> None:
    (tmp_path / "kpis.yaml").write_text(KPIS.format(under=under))
    code, err = o16n(capsys, "kpi", "--project", str(tmp_path))
    assert code == 2
    assert f"error: {tmp_path / expected}" in err


def test_kpi_names_the_kind_line_of_a_misspelt_kind(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "kpis.yaml").write_text("version: 1\nkpi:\n  unit: EUR\n  kind: regresion\n")
    code, err = o16n(capsys, "kpi", "--project", str(tmp_path))
    assert code == 2
    assert f"{tmp_path / 'kpis.yaml'}:4: kpi.kind: Input tag 'regresion'" in err


def test_gate_refuses_a_quoted_metric_floor_on_the_branch(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run("git", "init", "--quiet", "--initial-branch", "main", cwd=tmp_path)
    pack.install("baseline", tmp_path / "policies")
    settings = tmp_path / "o16n.yaml"
    settings.write_text("version: 1\nmodel: m\npolicy_vars:\n  metric_floors: {roc_auc: 0.9}\n")
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "commit", "--quiet", "--no-gpg-sign", "-m", "floors", cwd=tmp_path)
    run("git", "switch", "--quiet", "-c", "relax", cwd=tmp_path)
    settings.write_text(settings.read_text().replace("0.9}", '"0.95"}'))
    run("git", "commit", "--quiet", "--no-gpg-sign", "-am", "quoted", cwd=tmp_path)
    code, err = o16n(capsys, "gate", "--stage", "pr", "--no-record", "--project", str(tmp_path))
    assert code == 2
    assert (
        f"error: {settings}:4: policy_vars.metric_floors.roc_auc: must be a number, "
        "not the text '0.95'\n  hint: remove the quotes"
    ) in err
