"""Deploy's writes of the desired state: history from git, whole files, an interrupted deploy put
back (the format itself: test_desired)."""

from __future__ import annotations

from pathlib import Path

from o16n.config.project import ServingConfig
from o16n.lifecycle import deploy
from o16n.serving import desired
from tests.conftest import run
from tests.unit.serving.test_desired import STATE


def test_history_is_newest_first_and_writes_are_whole(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    for version in ("v1.0.0", "v1.1.0"):
        state = desired.Desired("churn", version, "b" * 40, {"models/model.joblib": "1" * 32})
        written = deploy.write(tmp_path, "staging", state, ServingConfig())
        assert written == ["deploy/staging/desired.yaml"]
        run("git", "add", "-A", cwd=tmp_path)
        run("git", "commit", "--quiet", "-m", version, cwd=tmp_path)
    assert [s.version for s in desired.history(tmp_path, "staging")] == ["v1.1.0", "v1.0.0"]
    current = desired.current(tmp_path, "staging")
    assert current is not None and current.version == "v1.1.0"
    leftovers = [p.name for p in (tmp_path / "deploy" / "staging").iterdir()]
    assert leftovers == ["desired.yaml"]  # no temporary file left beside it
    assert desired.current(tmp_path, "production") is None


def test_recover_puts_back_what_an_interrupted_deploy_did_not_commit(tmp_path: Path) -> None:
    run("git", "init", "--quiet", "--initial-branch=main", cwd=tmp_path)
    deploy.write(tmp_path, "staging", STATE, ServingConfig())
    run("git", "add", "-A", cwd=tmp_path)
    run("git", "commit", "--quiet", "-m", "v1.2.0", cwd=tmp_path)
    committed = desired.desired_path(tmp_path, "staging").read_text()
    # a killed deploy: a newer state written, a ledger record appended, a temp file left
    newer = desired.Desired("churn", "v1.3.0", "c" * 40, {"models/model.joblib": "2" * 32})
    deploy.write(tmp_path, "staging", newer, ServingConfig())
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "decisions.jsonl").write_text('{"seq": 1}\n')
    (tmp_path / "deploy" / "staging" / ".desired.yaml.x1.tmp").write_text("half")
    restored = deploy.recover(tmp_path)
    assert restored == [
        "deploy/staging/.desired.yaml.x1.tmp",
        "deploy/staging/desired.yaml",
        "ledger/decisions.jsonl",
    ]
    assert desired.desired_path(tmp_path, "staging").read_text() == committed
    assert run("git", "status", "--porcelain", "-uall", cwd=tmp_path).stdout == ""
    assert deploy.recover(tmp_path) == []
