"""`o16n history`: what ran in an environment at a moment, from git and the ledger alone, and
verified: real git, real ssh-keygen signatures, records as `o16n deploy` and `rollback` write
them (tests.history_repo)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from o16n.adapters import signing
from o16n.cli import main as cli
from o16n.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, UsageError
from o16n.lifecycle import history, ledger
from o16n.policy.gate import ENVIRONMENT, REVIEW, SIGNED
from tests import history_repo as repo_of
from tests.pipeline_repo import git, make_repo
from tests.signing import make_key, write_allowed_signers

NAMESPACES = f"{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("keys")
    return {name: make_key(folder, name) for name in ("ci", "forger")}


@pytest.fixture
def repo(tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """v1 to staging, promoted to production; v2 to staging; a refused v3; staging rolled
    back to v1. Every record signed by the key main trusts."""
    path = make_repo(tmp_path / "repo")
    write_allowed_signers(path, [("o16n-ci@example.com", keys["ci"], NAMESPACES)], commit="Trust")
    repo_of.write_project(path)
    monkeypatch.setenv(signing.KEY_VARIABLE, str(keys["ci"]))
    one = repo_of.model_commit(path, 1, date="2026-11-01T09:00:00Z")
    repo_of.deploy(path, "staging", "v1.0.0", one, "2026-11-02T10:00:00Z")
    repo_of.deploy(
        path,
        "production",
        "v1.0.0",
        one,
        "2026-11-03T10:00:00Z",
        from_env="staging",
        approvals=["@ann", "@bob"],
        approved_via={"@ann": REVIEW, "@bob": ENVIRONMENT},
    )
    two = repo_of.model_commit(path, 2, date="2026-11-05T09:00:00Z")
    repo_of.deploy(
        path,
        "staging",
        "v1.1.0",
        two,
        "2026-11-06T10:00:00Z",
        waivers=[{"rule": "fairness", "reason": "gap", "approved_by": "gov", "expires": "2027"}],
    )
    three = repo_of.model_commit(path, 3, date="2026-11-07T09:00:00Z")
    repo_of.refuse(path, "staging", "v1.2.0", three, "2026-11-08T10:00:00Z")
    repo_of.rollback(path, "staging", "v1.0.0", one, "2026-11-09T10:00:00Z", replacing="v1.1.0")
    return path


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_the_states_follow_the_ledger_and_each_lasts_until_the_next(repo: Path) -> None:
    states = history.deployments(repo)
    assert [(s.env, s.action, s.version) for s in states] == [
        ("staging", "deploy", "v1.0.0"),
        ("production", "promote", "v1.0.0"),
        ("staging", "deploy", "v1.1.0"),
        ("staging", "rollback", "v1.0.0"),
    ]  # the refused v1.2.0 changed nothing
    assert [s.until for s in states] == [
        "2026-11-06T10:00:00Z",
        None,
        "2026-11-09T10:00:00Z",
        None,
    ]
    assert all(s.verified for s in states), [s.problems for s in states]


def test_at_a_moment_between_two_deploys_before_the_first_and_after_a_rollback(
    repo: Path,
) -> None:
    between = history.at(repo, "staging", moment("2026-11-07T00:00:00"))
    assert between is not None and between.version == "v1.1.0"
    assert between.waivers[0]["rule"] == "fairness"
    assert history.at(repo, "staging", moment("2026-11-01T00:00:00")) is None
    assert history.at(repo, "production", moment("2026-11-02T12:00:00")) is None
    back = history.at(repo, "staging", moment("2026-11-10T00:00:00"))
    assert back is not None and back.action == "rollback" and back.from_version == "v1.1.0"
    assert back.actor == "Ops <ops@example.com>"
    # a rollback's decision is the deploy that first put v1.0.0 in staging, approvals too
    assert back.decision is not None and back.decision["seq"] == 1
    assert back.approvals == (history.Approval("ann@example.com", SIGNED),)
    exactly = history.at(repo, "staging", moment("2026-11-06T10:00:00"))
    assert exactly is not None and exactly.version == "v1.1.0"  # a state begins at its time


def test_who_approved_and_how(repo: Path) -> None:
    production = history.current(repo)["production"]
    assert production.approvals == (
        history.Approval("@ann", REVIEW),
        history.Approval("@bob", ENVIRONMENT),
    )
    assert production.from_env == "staging"
    assert production.data == {"data/raw/dataset.csv": f"d{1:031x}"}
    assert production.model == {"models/model.joblib": f"e{1:031x}"}


def test_an_edited_record_is_shown_as_not_verifying(repo: Path) -> None:
    path = repo / ledger.LEDGER
    lines = path.read_text().splitlines()
    edited = json.loads(lines[2])
    edited["approvals"] = ["governance@example.com"]  # claims an approval it did not have
    lines[2] = ledger.canonical(edited)
    path.write_text("\n".join(lines) + "\n")
    states = {s.seq: s for s in history.deployments(repo)}
    assert not states[3].verified
    assert any("hash" in p for p in states[3].problems)
    assert states[1].verified


def test_a_record_signed_by_an_untrusted_key_does_not_verify(
    repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(signing.KEY_VARIABLE, str(keys["forger"]))
    four = repo_of.model_commit(repo, 4, date="2026-11-10T09:00:00Z")
    repo_of.deploy(repo, "production", "v1.3.0", four, "2026-11-11T10:00:00Z")
    now = history.current(repo)["production"]
    assert now.version == "v1.3.0" and not now.verified
    assert any("signature" in p for p in now.problems)


def test_a_desired_state_changed_without_a_record_is_a_problem(repo: Path) -> None:
    path = repo / "deploy" / "production" / "desired.yaml"
    path.write_text(path.read_text().replace("v1.0.0", "v9.9.9"))
    git(repo, "commit", "-q", "-am", "Serve what I like")
    now = history.current(repo)["production"]
    assert not now.verified
    assert any("without a recorded decision" in p for p in now.problems)
    earlier = history.at(repo, "staging", moment("2026-11-07T00:00:00"))
    assert earlier is not None and earlier.verified  # only the newest state is held to HEAD


def test_a_rollback_to_a_version_never_deployed_there_has_no_decision(repo: Path) -> None:
    one = git(repo, "log", "--format=%H", "-1", "--grep", "Model 1")
    repo_of.rollback(repo, "production", "v1.1.0", one, "2026-11-12T10:00:00Z", "v1.0.0")
    now = history.current(repo)["production"]
    assert now.decision is None and now.approvals == () and not now.verified
    assert any("no recorded deploy" in p for p in now.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-24", "2026-11-24T23:59:59+00:00"),
        ("2026-11-24T10:00", "2026-11-24T10:00:00+00:00"),
        ("2026-11-24T10:00:00Z", "2026-11-24T10:00:00+00:00"),
        ("2026-11-24T11:00:00+01:00", "2026-11-24T10:00:00+00:00"),
    ],
)
def test_moments_are_read_in_utc(text: str, expected: str) -> None:
    assert history.parse_moment(text).isoformat() == expected


def test_a_moment_that_is_no_date_names_the_flag() -> None:
    with pytest.raises(UsageError, match="--at soon"):
        history.parse_moment("soon")


def test_the_command_as_text_json_and_html(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = ["--project", str(repo)]
    assert cli.main(["history", "--env", "staging", "--at", "2026-11-07", *project]) == EXIT_OK
    text = capsys.readouterr().out
    assert "v1.1.0" in text and "verified" in text and "fairness (gap" in text
    assert cli.main(["history", "--format", "json", *project]) == EXIT_OK
    body = json.loads(capsys.readouterr().out)
    running = {e["env"]: e["running"] for e in body["environments"]}
    assert running["staging"]["action"] == "rollback"
    assert running["production"]["approvals"][1] == {"who": "@bob", "how": ENVIRONMENT}
    out = repo / "history.html"
    assert cli.main(["history", "--format", "html", "-o", str(out), *project]) == EXIT_OK
    page = out.read_text()
    assert "<script" not in page and "production" in page and "badge ok" in page
    before = ["history", "--env", "production", "--at", "2026-11-01", *project]
    assert cli.main(before) == EXIT_OK
    assert "nothing ran; its first deploy was at 2026-11-03" in capsys.readouterr().out


def test_the_command_exits_1_when_what_it_shows_does_not_verify(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (repo / ledger.LEDGER).write_text((repo / ledger.LEDGER).read_text().replace("Ops", "Eve"))
    assert cli.main(["history", "--env", "staging", "--project", str(repo)]) == EXIT_FAILED
    assert "does not verify" in capsys.readouterr().out


def test_bad_flags_exit_2_naming_them(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["history", "--env", "qa", "--project", str(repo)]) == EXIT_USAGE
    assert "--env qa" in capsys.readouterr().err
    assert cli.main(["history", "--at", "noon", "--project", str(repo)]) == EXIT_USAGE
    assert "--at noon" in capsys.readouterr().err


def test_the_gate_records_how_each_counted_approval_was_given() -> None:
    from o16n.policy.gate import approved_via

    github = {
        "provider": "github",
        "approvers": ["@ann", "@bob"],
        "environment_approvers": ["@bob"],
    }
    assert approved_via(github) == {"@ann": REVIEW, "@bob": ENVIRONMENT}
    assert approved_via({"provider": "git", "approvers": ["ann@example.com"]}) == {
        "ann@example.com": SIGNED
    }


def test_a_ledger_byte_that_is_no_utf8_is_exit_2_naming_the_line(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = repo / ledger.LEDGER
    lines = path.read_bytes().split(b"\n")
    lines[1] = lines[1].replace(b"deploy", b"depl\xffy", 1)
    path.write_bytes(b"\n".join(lines))
    one = git(repo, "log", "--format=%H", "-1", "--grep", "Model 1")
    git(repo, "tag", "-a", f"{repo_of.MODEL}@v1.0.0", "-m", "Register v1.0.0", one)
    assert cli.main(["history", "--project", str(repo)]) == EXIT_USAGE
    assert "decisions.jsonl:2: not UTF-8 text" in capsys.readouterr().err
    assert cli.main(["evidence", "--version", "v1.0.0", "--project", str(repo)]) == EXIT_USAGE
    assert "not UTF-8 text" in capsys.readouterr().err
    assert not list(repo.glob("*.zip"))
