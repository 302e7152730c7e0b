"""The decision ledger: a hash chain that any edit breaks, backed by git history and lineage.
Every record here is signed by the CI key that main's allowed_signers lists (signatures,
forgeries and the witness: test_ledger_signatures)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from o16n.adapters import signing
from o16n.cli import main as cli
from o16n.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError
from o16n.lifecycle import ledger
from tests.pipeline_repo import commit_pipeline, decision, git, make_repo, outs
from tests.signing import make_key, write_allowed_signers

DATA, MODEL = "1" * 32, "2" * 32
OUTS = outs(DATA, MODEL)
CI = "o16n-ci@example.com"
NAMESPACES = f"{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}"


@pytest.fixture(scope="module")
def ci_key(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_key(tmp_path_factory.mktemp("keys"), "ci")


@pytest.fixture(autouse=True)
def signs(ci_key: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(signing.KEY_VARIABLE, str(ci_key))


def trusted_repo(path: Path, key: Path) -> Path:
    """A repository whose main lists `key` for the ledger and releases."""
    repo = make_repo(path)
    write_allowed_signers(repo, [(CI, key, NAMESPACES)], commit="Trust the CI key")
    return repo


def small(commit: str, verdict: str) -> dict[str, Any]:
    return {
        "kind": "decision",
        "actor": "José <jose@example.com>",
        "inputs": {"commit": commit, "outs": OUTS},
        "verdict": verdict,
    }


def three_records(commit: str, key: signing.SigningKey) -> bytes:
    """A small ledger of three signed decisions, as append() writes it (ed25519 signatures
    are deterministic: the same key makes the same bytes)."""
    prev, lines = ledger.GENESIS, []
    for seq, verdict in enumerate(["pass", "warn", "fail"], start=1):
        sealed = ledger.seal(small(commit, verdict), seq, prev, key)
        lines.append(ledger.canonical(sealed) + "\n")
        prev = sealed["hash"]
    return "".join(lines).encode("utf-8")


def positions(ledger_bytes: bytes) -> list[int]:
    """Every byte, except that inside a signature's base64 body only the ends and every 29th:
    those bytes are alike (one JSON string the hash covers), and each record holds ~400."""
    pattern = rb"-----BEGIN SSH SIGNATURE-----(.*?)-----END"
    bodies = [range(m.start(1) + 3, m.end(1) - 3) for m in re.finditer(pattern, ledger_bytes)]
    return [i for i in range(len(ledger_bytes)) if not any(i in body and i % 29 for body in bodies)]


# a commit sha is always 40 hex digits, a signature of any ed25519 key as long
POSITIONS = positions(
    three_records("0" * 40, signing.SigningKey(Ed25519PrivateKey.generate(), "size"))
)


@pytest.fixture
def repo(tmp_path: Path, ci_key: Path) -> Path:
    return trusted_repo(tmp_path / "repo", ci_key)


@pytest.fixture
def head(repo: Path) -> str:
    return commit_pipeline(repo, data=DATA, model=MODEL)


def append_three(repo: Path, commit: str) -> list[dict[str, Any]]:
    return [
        ledger.append(repo, decision(commit, OUTS, verdict=v)).record
        for v in ("pass", "warn", "fail")
    ]


def lines(repo: Path) -> list[str]:
    return (repo / ledger.LEDGER).read_text(encoding="utf-8").splitlines(keepends=True)


def write(repo: Path, text: list[str]) -> None:
    (repo / ledger.LEDGER).write_text("".join(text), encoding="utf-8")


def commit_ledger(repo: Path) -> None:
    git(repo, "add", ledger.LEDGER.as_posix())
    git(repo, "commit", "-q", "-m", "Record decisions")


def problems(repo: Path) -> list[ledger.Problem]:
    return ledger.verify(repo).problems


def messages(repo: Path) -> list[str]:
    return [str(problem) for problem in problems(repo)]


def test_append_builds_a_chain_that_verifies(repo: Path, head: str) -> None:
    first, second, third = append_three(repo, head)
    assert [r["seq"] for r in (first, second, third)] == [1, 2, 3]
    assert first["prev"] == ledger.GENESIS
    assert second["prev"] == first["hash"] and third["prev"] == second["hash"]
    assert third["hash"] == ledger.record_hash(third)
    assert ledger.read(repo / ledger.LEDGER) == [first, second, third]
    assert ledger.ledger_hash(repo) == third["hash"]
    key = signing.signing_key()
    assert key is not None and {r["sig"]["key"] for r in (first, second, third)} == {
        key.fingerprint
    }
    assert ledger.verify(repo) == ledger.Verification([], 3, f"main:{signing.ALLOWED_SIGNERS}")


def test_each_line_is_canonical_json(repo: Path, head: str) -> None:
    append_three(repo, head)
    for line in lines(repo):
        assert (
            line
            == json.dumps(
                json.loads(line), sort_keys=True, separators=(",", ":"), ensure_ascii=False
            )
            + "\n"
        )
    assert "José Núñez" in lines(repo)[0]


def test_unicode_line_separators_inside_strings_stay_in_their_record(repo: Path, head: str) -> None:
    record = ledger.append(repo, decision(head, OUTS, verdict="pass", note="a\u2028b\x1cc"))
    assert ledger.read(repo / ledger.LEDGER) == [record.record]
    assert problems(repo) == []


def test_append_sets_seq_prev_and_hash_itself(repo: Path, head: str) -> None:
    record = ledger.append(repo, decision(head, OUTS, seq=99, prev="x", hash="y", sig="z")).record
    assert (record["seq"], record["prev"]) == (1, ledger.GENESIS)
    assert record["hash"] == ledger.record_hash(record)
    assert isinstance(record["sig"], dict)


def test_a_project_that_never_had_a_ledger_is_an_empty_ledger(repo: Path, head: str) -> None:
    assert problems(repo) == []
    assert ledger.ledger_hash(repo) is None
    assert ledger.read(repo / ledger.LEDGER) == []


@pytest.fixture(scope="module")
def uncommitted(tmp_path_factory: pytest.TempPathFactory, ci_key: Path) -> Iterator[Path]:
    """Three records, not committed: only the chain itself can catch an edit."""
    repo = trusted_repo(tmp_path_factory.mktemp("flip") / "repo", ci_key)
    head = commit_pipeline(repo, data=DATA, model=MODEL)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(signing.KEY_VARIABLE, str(ci_key))
        for verdict in ("pass", "warn", "fail"):
            ledger.append(repo, small(head, verdict))
        key = signing.signing_key()
        assert key is not None
    assert (repo / ledger.LEDGER).read_bytes() == three_records(head, key)
    assert ledger.verify(repo).ok
    yield repo


@pytest.mark.parametrize("position", POSITIONS)
def test_editing_any_byte_breaks_verification(uncommitted: Path, position: int) -> None:
    path = uncommitted / ledger.LEDGER
    original = path.read_bytes()
    edited = bytearray(original)
    edited[position] = ord("a") if original[position] != ord("a") else ord("b")
    path.write_bytes(bytes(edited))
    try:
        assert problems(uncommitted) != []
    finally:
        path.write_bytes(original)


def test_deleting_a_record_breaks_the_chain(repo: Path, head: str) -> None:
    append_three(repo, head)
    kept = lines(repo)
    write(repo, [kept[0], kept[2]])
    assert messages(repo) == [
        "ledger/decisions.jsonl:2 (seq 3): seq is 3, expected 2: a record was deleted, "
        "inserted or moved",
        "ledger/decisions.jsonl:2 (seq 3): prev is not the hash of the record before it: "
        "a record was deleted, inserted or moved",
    ]


def test_swapping_two_records_breaks_the_chain(repo: Path, head: str) -> None:
    append_three(repo, head)
    first, second, third = lines(repo)
    write(repo, [first, third, second])
    found = problems(repo)
    assert {(p.line, p.seq) for p in found} == {(2, 3), (3, 2)}
    assert all("a record was deleted, inserted or moved" in p.message for p in found)


def test_a_forged_record_with_a_wrong_prev_is_caught(repo: Path, head: str) -> None:
    append_three(repo, head)
    forged = ledger.seal(decision(head, OUTS, verdict="pass"), 4, "f" * 64, signing.signing_key())
    write(repo, [*lines(repo), ledger.canonical(forged) + "\n"])
    assert messages(repo) == [
        "ledger/decisions.jsonl:4 (seq 4): prev is not the hash of the record before it: "
        "a record was deleted, inserted or moved"
    ]


def test_truncating_the_committed_tail_is_caught_by_history(repo: Path, head: str) -> None:
    append_three(repo, head)
    commit_ledger(repo)
    write(repo, lines(repo)[:2])  # the chain of the first two is still intact
    committed = git(repo, "rev-parse", "--short=7", "HEAD")
    assert messages(repo) == [
        f"ledger/decisions.jsonl:3: differs from the ledger committed in {committed}: "
        "committed records were edited, removed or reordered"
    ]


def test_a_recomputed_chain_is_caught_by_history(repo: Path, head: str) -> None:
    append_three(repo, head)
    commit_ledger(repo)
    prev, forged = ledger.GENESIS, []
    for seq in (1, 2, 3):  # every verdict a pass, every hash recomputed, signed: a valid chain
        sealed = ledger.seal(decision(head, OUTS, verdict="pass"), seq, prev, signing.signing_key())
        forged.append(ledger.canonical(sealed) + "\n")
        prev = sealed["hash"]
    write(repo, forged)
    found = problems(repo)
    assert [(p.line, p.seq) for p in found][:1] == [(2, None)]
    assert "committed records were edited, removed or reordered" in found[0].message


def test_a_deleted_ledger_that_git_remembers_is_a_problem(repo: Path, head: str) -> None:
    append_three(repo, head)
    commit_ledger(repo)
    committed = git(repo, "rev-parse", "--short=7", "HEAD")
    (repo / ledger.LEDGER).unlink()
    assert messages(repo) == [
        f"ledger/decisions.jsonl: the ledger is gone, but commit {committed} has it: restore "
        f"it with `git checkout {committed} -- ledger/decisions.jsonl`"
    ]


def test_appending_to_a_broken_ledger_is_refused(repo: Path, head: str) -> None:
    append_three(repo, head)
    write(repo, lines(repo)[1:])
    with pytest.raises(ledger.LedgerError, match="not appending") as raised:
        ledger.append(repo, decision(head, OUTS))
    assert "run `o16n ledger verify`" in str(raised.value)


def test_recorded_hashes_must_match_dvc_lock_at_the_commit(repo: Path, head: str) -> None:
    retrained = commit_pipeline(repo, data=DATA, model="3" * 32)
    ledger.append(repo, decision(head, OUTS))
    ledger.append(repo, decision(retrained, OUTS))  # claims the old model at the new commit
    assert messages(repo) == [
        f"ledger/decisions.jsonl:2 (seq 2): models/model.joblib: recorded {MODEL}, dvc.lock "
        f"at {retrained[:7]} has {'3' * 32}"
    ]


def test_a_commit_that_is_not_in_the_repository_is_a_problem(repo: Path, head: str) -> None:
    ledger.append(repo, decision("d" * 40, OUTS))
    ledger.append(repo, decision("HEAD", OUTS))
    assert messages(repo) == [
        f"ledger/decisions.jsonl:1 (seq 1): inputs.commit '{'d' * 40}' is not a commit in "
        "this repository",
        "ledger/decisions.jsonl:2 (seq 2): inputs.commit 'HEAD' is not a full commit id",
    ]


def test_a_record_that_is_not_json_is_refused(repo: Path, head: str) -> None:
    with pytest.raises(ledger.LedgerError, match="not plain JSON"):
        ledger.append(repo, decision(head, OUTS, metrics={"accuracy": float("nan")}))
    assert not (repo / ledger.LEDGER).exists()


def test_read_names_the_file_and_line_of_malformed_json(tmp_path: Path) -> None:
    path = tmp_path / "decisions.jsonl"
    path.write_text('{"seq":1}\n{"seq":\n')
    with pytest.raises(ConfigError) as raised:
        ledger.read(path)
    assert (raised.value.file, raised.value.line) == (path, 2)


def test_ledger_verify_exits_0_and_counts_the_records(
    repo: Path, head: str, capsys: pytest.CaptureFixture[str]
) -> None:
    append_three(repo, head)
    assert cli.main(["ledger", "verify", "--project", str(repo)]) == EXIT_OK
    assert capsys.readouterr().out == (
        "3 records, chain intact, signed by keys main:policies/allowed_signers trusts, "
        "lineage matches\n"
    )


def test_ledger_verify_exits_1_and_prints_each_problem(
    repo: Path, head: str, capsys: pytest.CaptureFixture[str]
) -> None:
    append_three(repo, head)
    write(repo, lines(repo)[1:])
    assert cli.main(["ledger", "verify", "--project", str(repo)]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert "ledger/decisions.jsonl:1 (seq 2): seq is 2, expected 1" in out
    assert out.endswith("3 problems: the ledger cannot be trusted\n")


@pytest.mark.parametrize("argv", [["ledger"], ["ledger", "bogus"], ["ledger", "verify", "-x"]])
def test_ledger_usage_errors_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    assert exit_.value.code == EXIT_USAGE
    assert "error:" in capsys.readouterr().err


def test_ledger_show_lists_the_records(
    repo: Path, head: str, capsys: pytest.CaptureFixture[str]
) -> None:
    records = append_three(repo, head)
    assert cli.main(["ledger", "show", "--project", str(repo)]) == EXIT_OK
    out = capsys.readouterr().out
    assert records[2]["hash"][:12] in out
    assert "fail" in out and head[:7] in out
