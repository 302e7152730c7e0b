"""`o16n gate` and `o16n facts` on generated projects: policies, approvals, waivers, ledger."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.acceptance.test_governance import as_person
from tests.acceptance.test_release import sign_as_ci
from tests.conftest import BIN, Bake, run
from tests.signing import make_key, write_allowed_signers

pytestmark = pytest.mark.slow
GOVERNANCE = "Gov <gov@example.com>"


def gate(project: Path, *args: str) -> tuple[int, str, dict[str, object]]:
    done = run(BIN / "o16n", "gate", *args, cwd=project, check=False)
    decision_file = project / "reports" / "decision.json"
    decision = json.loads(decision_file.read_text()) if decision_file.is_file() else {}
    return done.returncode, done.stdout + done.stderr, decision


def outcomes(decision: dict[str, object]) -> dict[str, str]:
    return {r["id"]: r["outcome"] for r in decision["rules"]}  # type: ignore[attr-defined]


@pytest.fixture
def project(bake: Bake) -> Path:
    return bake(governance_owners="gov@example.com")


def commit(project: Path, message: str) -> None:
    run("git", "add", "-A", cwd=project)
    run("git", "commit", "--quiet", "-m", message, cwd=project)


def weaken(project: Path) -> None:
    """A change that lowers accuracy below the floor (and below main's model)."""
    run("git", "switch", "--quiet", "-c", "weaker", cwd=project)
    params = project / "params.yaml"
    params.write_text(params.read_text().replace("threshold: 0.5", "threshold: 0.999"))
    run(BIN / "dvc", "repro", "--quiet", cwd=project, PYTHONPATH=str(project / "src"))
    commit(project, "Only flag the surest cases")


def test_fresh_project_passes_with_a_model_card_warning(project: Path) -> None:
    code, out, decision = gate(project, "--no-record")
    assert code == 0, out
    assert decision["verdict"] == "warn"
    results = outcomes(decision)
    assert results.pop("model-card-draft") == "warn"
    assert set(results.values()) == {"pass"}
    assert "gate passed with warnings" in out
    facts = json.loads(run(BIN / "o16n", "facts", cwd=project).stdout)
    assert facts["model"]["name"] == "credit-risk-model"
    assert facts["lineage"]["reproduced"] is True
    assert facts["vars"]["metric_floors"] == {"roc_auc": 0.95, "balanced_accuracy": 0.9}


def trust_governance(project: Path, tmp_path: Path) -> Path:
    """main lists the governance owner's key; returns the key, to approve with."""
    key = make_key(tmp_path / "keys", "gov")
    write_allowed_signers(project, [("gov@example.com", key, "git")], commit="Trust gov's key")
    return key


def approve_as_governance(project: Path, key: Path) -> None:
    out = run(BIN / "o16n", "approve", cwd=project, **as_person("Gov", "gov@example.com", key))
    assert "the gate counts it" in out.stdout, out.stdout + out.stderr


def test_lower_metric_fails_with_the_rule_message_and_a_waiver_turns_it_to_warning(
    project: Path, tmp_path: Path
) -> None:
    key = trust_governance(project, tmp_path)
    weaken(project)
    code, out, decision = gate(project, "--no-record")
    assert code == 1
    results = outcomes(decision)
    assert results["metric-floors"] == "fail" and results["no-regression"] == "fail"
    assert "A metric is below its floor." in out
    assert "accuracy = " in out and "(floor 0.9)" in out

    (project / "waivers.yaml").write_text(
        "version: 1\nwaivers:\n"
        + "".join(
            f"  - rule: {rule}\n    reason: fewer false alarms agreed with the clinic\n"
            f"    approved_by: {GOVERNANCE}\n    expires: 2026-12-31\n"
            for rule in ("metric-floors", "no-regression", "health-no-fail")
        )
    )
    commit(project, "Waive the floor until the new threshold is reviewed")
    assert gate(project, "--no-record", "--today", "2026-12-31")[0] == 1  # not approved yet
    approve_as_governance(project, key)
    code, out, decision = gate(project, "--no-record", "--today", "2026-12-31")
    assert code == 0, out
    assert decision["verdict"] == "warn"
    assert outcomes(decision)["metric-floors"] == "waived"
    assert [w["rule"] for w in decision["waivers"]] == [  # type: ignore[attr-defined]
        "metric-floors",
        "no-regression",
        "health-no-fail",
    ]

    code, out, decision = gate(project, "--no-record", "--today", "2027-01-01")
    assert code == 1
    assert outcomes(decision)["metric-floors"] == "fail"
    assert "the waiver for metric-floors does not apply: expired on 2026-12-31" in out


def test_policy_change_needs_a_governance_approval(project: Path, tmp_path: Path) -> None:
    key = trust_governance(project, tmp_path)
    run("git", "switch", "--quiet", "-c", "looser", cwd=project)
    pack = project / "policies" / "baseline" / "pack.yaml"
    pack.write_text(pack.read_text().replace("tolerance: 0.01", "tolerance: 0.05"))
    commit(project, "Allow more regression")
    code, out, decision = gate(project, "--no-record")
    assert code == 1
    assert outcomes(decision)["governed-change-approved"] == "fail"
    assert "Governance files changed without an authenticated governance approval" in out

    # The author's own approval and an unsigned trailer do not count; governance's signed one does.
    author = run("git", "log", "-1", "--format=%an <%ae>", cwd=project).stdout.strip()
    for who in (author, GOVERNANCE):
        run("git", "commit", "--quiet", "--allow-empty", "-m", f"ok\n\nApproved-by: {who}",
            cwd=project)  # fmt: skip
        assert gate(project, "--no-record")[0] == 1
    approve_as_governance(project, key)
    code, out, decision = gate(project, "--no-record")
    assert code == 0, out
    assert outcomes(decision)["governed-change-approved"] == "pass"
    assert decision["approvals"] == ["gov@example.com"]


def test_bad_policy_input_is_a_config_error(project: Path) -> None:
    pack = project / "policies" / "baseline" / "pack.yaml"
    pack.write_text(
        pack.read_text().replace("condition: lineage.reproduced", "condition: lineage.reproducd")
    )
    code, out, _ = gate(project, "--no-record")
    assert code == 2
    assert "rule 'pipeline-reproduced' refers to `lineage.reproducd`, which does not exist" in out
    assert f"{pack.name}:" in out and "hint: see the facts with `o16n facts`" in out

    code, out, _ = gate(project, "--stage", "deploy", "--no-record")
    assert code == 2 and "--stage deploy needs --env ENV" in out
    code, out, _ = gate(project, "--stage", "deploy", "--env", "qa", "--no-record")
    assert code == 2 and "--env 'qa' is not an environment of this project" in out


def test_modelcard_renders_what_the_pipeline_knows_and_checks_completeness(
    project: Path,
) -> None:
    done = run(BIN / "o16n", "modelcard", "--check", cwd=project, check=False)
    assert done.returncode == 1
    assert "incomplete: the baseline pack requires intended_purpose" in done.stdout
    card = (project / "MODEL_CARD.md").read_text()
    assert card.startswith("# Model card: Credit Risk Model\n")
    assert "| roc_auc | 0.9977 | 0.9977 | 0 |" in card  # no change: no sign
    assert "| train.C | 1.0 |" in card
    assert run("git", "status", "--porcelain", cwd=project).stdout == ""  # not committed

    model_card = project / "model_card.yaml"
    text = model_card.read_text()
    assert "use_cases: []" in text and "users: []" in text
    model_card.write_text(
        text.replace(
            "use_cases: []", "use_cases: [Triage of fine needle aspirate results]"
        ).replace("users: []", "users: [Pathologists, who confirm every result]")
    )
    done = run(BIN / "o16n", "modelcard", "--check", cwd=project, check=False)
    assert done.returncode == 0, done.stdout
    assert "complete for the policy pack in force" in done.stdout


def test_decisions_are_recorded_in_a_ledger_that_detects_any_edit(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sign_as_ci(project, tmp_path / "keys", monkeypatch)
    code, out, first = gate(project)
    assert code == 0, out
    assert "recorded in ledger/decisions.jsonl as #1" in out
    commit(project, "Record the PR gate decision")
    code, out, second = gate(project, "--stage", "deploy", "--env", "staging")
    assert code == 1  # the model card is incomplete, which deploys refuse
    assert outcomes(second)["model-card-complete"] == "fail"
    commit(project, "Record the staging decision")

    ledger = project / "ledger" / "decisions.jsonl"
    records = [json.loads(line) for line in ledger.read_text().splitlines()]
    assert [r["seq"] for r in records] == [1, 2]
    assert records[1]["prev"] == records[0]["hash"]
    assert (
        records[0]["inputs"]["outs"]["models/model.joblib"]
        == first["inputs"]["outs"][  # type: ignore[index]
            "models/model.joblib"
        ]
    )
    assert [r["verdict"] for r in records] == ["warn", "fail"]
    assert all(r["sig"]["key"].startswith("SHA256:") for r in records)
    done = run(BIN / "o16n", "ledger", "verify", cwd=project)
    assert "2 records, chain intact, signed by keys main:policies/allowed_signers" in done.stdout
    timeline = run(BIN / "o16n", "timeline", cwd=project).stdout
    assert "| decision: gate pr: warn |" in timeline
    assert "decision: gate deploy" in timeline and "fail: model-card-complete" in timeline

    original = ledger.read_bytes()
    position = original.index(b'"verdict":"fail"') + len(b'"verdict":"')
    ledger.write_bytes(original[:position] + b"p" + original[position + 1 :])  # fail -> pail
    edited = run(BIN / "o16n", "ledger", "verify", cwd=project, check=False)
    assert edited.returncode == 1
    ledger.write_bytes(original.rsplit(b"\n", 2)[0] + b"\n")  # drop the last record
    dropped = run(BIN / "o16n", "ledger", "verify", cwd=project, check=False)
    assert dropped.returncode == 1

    # without the key a decision is still recorded, unsigned, and both commands say so
    ledger.write_bytes(original)
    monkeypatch.delenv("O16N_SIGNING_KEY")
    unsigned = run(BIN / "o16n", "gate", "--format", "json", cwd=project, check=False)
    assert json.loads(unsigned.stdout)["seq"] == 3  # stdout stays JSON: the warning is on stderr
    assert unsigned.stderr.startswith(
        "warning: ledger record 3 is not signed: O16N_SIGNING_KEY is not set; "
        "`o16n ledger verify` will report it"
    )
    verified = run(BIN / "o16n", "ledger", "verify", cwd=project, check=False)
    assert verified.returncode == 1
    assert "ledger/decisions.jsonl:3 (seq 3): not signed: appended without" in verified.stdout
