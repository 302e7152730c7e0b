"""The ledger's signatures, its witness and its trust: forgeries by someone without the CI key
fail `verify`, whatever they recompute, and the legitimate path (signed by the key main's
allowed_signers lists) verifies clean. Real keys (ssh-keygen), real git."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from o16n.adapters import signing
from o16n.cli import main as cli
from o16n.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError, LedgerError, UsageError
from o16n.lifecycle import ledger
from tests.pipeline_repo import commit_pipeline, decision, git, make_repo, outs
from tests.signing import make_key, public_line, write_allowed_signers

OUTS = outs("1" * 32, "2" * 32)
CI = "o16n-ci@example.com"
NAMESPACES = f"{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}"
TRUST = f"main:{signing.ALLOWED_SIGNERS}"


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ci: the key main trusts for the ledger; forger: listed nowhere on main; ann: listed on
    main for git commits only; releases: listed on main for release manifests only."""
    folder = tmp_path_factory.mktemp("keys")
    return {name: make_key(folder, name) for name in ("ci", "forger", "ann", "releases")}


def use_key(monkeypatch: pytest.MonkeyPatch, key: Path | None) -> None:
    if key is None:
        monkeypatch.delenv(signing.KEY_VARIABLE, raising=False)
    else:
        monkeypatch.setenv(signing.KEY_VARIABLE, str(key))


def loaded(key: Path) -> signing.SigningKey:
    found = signing.signing_key({signing.KEY_VARIABLE: str(key)})
    assert found is not None
    return found


@pytest.fixture
def repo(tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """main trusts the CI key for the ledger; a pipeline commit; the CI key in the variable."""
    path = make_repo(tmp_path / "repo")
    write_allowed_signers(
        path,
        [
            (CI, keys["ci"], NAMESPACES),
            ("ann@example.com", keys["ann"], "git"),
            ("release-bot@example.com", keys["releases"], signing.RELEASE_NAMESPACE),
        ],
        commit="Trust the CI key",
    )
    commit_pipeline(path, data="1" * 32, model="2" * 32)
    use_key(monkeypatch, keys["ci"])
    return path


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD")


def append(repo: Path, verdict: str = "pass") -> ledger.Appended:
    return ledger.append(repo, decision(head(repo), OUTS, verdict=verdict))


def commit_ledger(repo: Path, message: str = "Record decisions") -> None:
    git(repo, "add", ledger.LEDGER.as_posix())
    git(repo, "commit", "-q", "-m", message)


def found(repo: Path, **options: Any) -> list[tuple[int | None, int | None, str]]:
    return [(p.line, p.seq, p.message) for p in ledger.verify(repo, **options).problems]


def ledger_lines(repo: Path) -> list[str]:
    return (repo / ledger.LEDGER).read_text(encoding="utf-8").splitlines(keepends=True)


def not_listed(key: Path) -> str:
    fingerprint = loaded(key).fingerprint
    return (
        f"signature: signed by key {fingerprint}, which {TRUST} does not list for "
        f"{signing.LEDGER_NAMESPACE}"
    )


UNSIGNED = (
    "not signed: appended without O16N_SIGNING_KEY (or its signature was removed); only "
    "records signed by a trusted key count"
)


# ---- the legitimate path ---------------------------------------------------------------------


def test_signed_records_verify_clean(repo: Path, keys: dict[str, Path]) -> None:
    records = [append(repo, v) for v in ("pass", "warn")]
    commit_ledger(repo)
    records.append(append(repo, "fail"))

    assert all(r.signed and r.warning is None for r in records)
    assert {r.record["sig"]["key"] for r in records} == {loaded(keys["ci"]).fingerprint}
    assert ledger.verify(repo) == ledger.Verification([], 3, TRUST)


def test_the_signature_is_ssh_keygens_own(repo: Path, keys: dict[str, Path]) -> None:
    """Anyone can check a record without o16n: `ssh-keygen -Y verify` over the canonical JSON
    without sig and hash, namespace o16n-ledger."""
    record = append(repo).record
    folder = repo.parent
    (folder / "message").write_bytes(ledger.signed_message(record))
    (folder / "message.sig").write_text(record["sig"]["signature"])
    (folder / "allowed").write_text(f"{CI} {public_line(keys['ci'])}\n")
    done = subprocess.run(
        ["ssh-keygen", "-Y", "verify", "-f", str(folder / "allowed"), "-I", CI]
        + ["-n", signing.LEDGER_NAMESPACE, "-s", str(folder / "message.sig")],
        input=(folder / "message").read_bytes(),
        capture_output=True,
    )
    assert done.returncode == 0, done.stderr
    assert b"Good" in done.stdout


def test_the_signature_covers_seq_and_prev_and_the_hash_covers_the_signature(
    repo: Path,
) -> None:
    record = append(repo).record
    assert json.loads(ledger.signed_message(record)) == {
        k: v for k, v in record.items() if k not in ("sig", "hash")
    }
    assert ledger.record_hash(record) == record["hash"]
    assert record["hash"] != ledger.record_hash({k: v for k, v in record.items() if k != "sig"})


# ---- unsigned records and keys that cannot be used -------------------------------------------


def test_without_a_key_a_record_is_appended_unsigned_and_says_so(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    append(repo)
    use_key(monkeypatch, None)
    unsigned = append(repo)

    assert not unsigned.signed and "sig" not in unsigned.record
    assert unsigned.warning is not None
    assert unsigned.warning.startswith(
        "ledger record 2 is not signed: O16N_SIGNING_KEY is not set; "
        "`o16n ledger verify` will report it"
    )
    assert found(repo) == [(2, 2, UNSIGNED)]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("/nowhere/o16n-signing", "which does not exist"),
        ("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n", "is not an OpenSSH private key"),
    ],
)
def test_a_key_that_is_set_but_unusable_appends_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch, value: str, says: str
) -> None:
    append(repo)
    before = (repo / ledger.LEDGER).read_bytes()
    head_file = repo / ".git" / "o16n" / "ledger-head"
    witnessed = head_file.read_bytes()
    monkeypatch.setenv(signing.KEY_VARIABLE, value)

    with pytest.raises(ConfigError, match=says) as raised:
        append(repo)

    assert raised.value.exit_code == EXIT_USAGE
    assert (repo / ledger.LEDGER).read_bytes() == before
    assert head_file.read_bytes() == witnessed


# ---- (a) a record made in a copy of the repository, appended -------------------------------


@pytest.mark.parametrize("forger", ["unsigned", "forger"])
def test_a_record_made_in_a_copy_of_the_repository_fails(
    repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch, forger: str
) -> None:
    """The copy has another policy and o16n's own append (seal, a recomputed chain): the
    chain, history and witness all hold, the signature does not."""
    append(repo, "fail")
    commit_ledger(repo)
    append(repo, "fail")
    copy = repo.parent / "copy"
    shutil.copytree(repo, copy)
    (copy / "policies" / "lenient.yaml").write_text("rules: []\n")  # another policy there
    use_key(monkeypatch, None if forger == "unsigned" else keys["forger"])
    ledger.append(copy, decision(head(copy), OUTS, verdict="pass", stage="deploy"))
    shutil.copyfile(copy / ledger.LEDGER, repo / ledger.LEDGER)

    expected = UNSIGNED if forger == "unsigned" else not_listed(keys["forger"])
    assert found(repo) == [(3, 3, expected)]


# ---- (b) a committed forgery, history rewritten to match -----------------------------------


def rewrite_history(repo: Path, base: str, versions: list[list[str]]) -> None:
    """The branch reset to `base`, then one commit per version of the ledger: every committed
    version a prefix of the last, as an honest history would be."""
    git(repo, "reset", "-q", "--hard", base)
    for number, version in enumerate(versions, start=1):
        (repo / ledger.LEDGER).parent.mkdir(exist_ok=True)
        (repo / ledger.LEDGER).write_text("".join(version), encoding="utf-8")
        commit_ledger(repo, f"Record decisions ({number})")


def forged_chain(
    records: list[dict[str, Any]], resign: signing.SigningKey | None, keep_sig: bool
) -> list[str]:
    """The records with the second's verdict turned to pass, the chain recomputed with seal;
    each signature kept as it was, or made anew with `resign` (unsigned without)."""
    prev, lines = ledger.GENESIS, []
    for seq, record in enumerate(records, start=1):
        edited = record | ({"verdict": "pass"} if seq == 2 else {})
        sealed = ledger.seal(edited, seq, prev, resign)
        if keep_sig:
            sealed["sig"] = record["sig"]
            sealed["hash"] = ledger.record_hash(sealed)
        lines.append(ledger.canonical(sealed) + "\n")
        prev = sealed["hash"]
    return lines


@pytest.mark.parametrize("how", ["keep the signatures", "re-sign", "unsigned"])
def test_a_committed_forgery_with_history_rewritten_fails(
    repo: Path, keys: dict[str, Path], how: str
) -> None:
    base = head(repo)
    records = []
    for verdict in ("pass", "fail", "warn"):
        records.append(append(repo, verdict).record)
        commit_ledger(repo)
    resign = loaded(keys["forger"]) if how == "re-sign" else None
    lines = forged_chain(records, resign, keep_sig=how == "keep the signatures")
    rewrite_history(repo, base, [lines[:1], lines[:2], lines[:3]])
    clone = repo.parent / "clone"  # a fresh clone: no witness, only what was pushed
    subprocess.run(["git", "clone", "-q", str(repo), str(clone)], check=True)

    if how == "keep the signatures":  # the second record changed, the third's prev did
        bad = "signature: bad signature: the signed content was changed"
        expected = [(2, 2, bad), (3, 3, bad)]
    elif how == "re-sign":
        expected = [(n, n, not_listed(keys["forger"])) for n in (1, 2, 3)]
    else:
        expected = [(n, n, UNSIGNED) for n in (1, 2, 3)]
    assert found(clone) == expected
    # where the records were appended, the witness sees the chain replaced as well
    witness = [p for p in found(repo) if p[0] is None]
    assert [(seq, message.split(",")[0]) for _, seq, message in witness] == [
        (3, f"record 3 ({records[2]['hash'][:12]})")
    ]


# ---- (c) the last uncommitted record deleted: the witness ------------------------------------


def test_deleting_the_last_uncommitted_record_is_caught_by_the_witness(repo: Path) -> None:
    append(repo)
    commit_ledger(repo)
    last = append(repo, "fail")
    (repo / ledger.LEDGER).write_text("".join(ledger_lines(repo)[:1]), encoding="utf-8")

    problems = ledger.verify(repo).problems
    assert [(p.line, p.seq) for p in problems] == [(None, 2)]
    witness = Path(git(repo, "rev-parse", "--absolute-git-dir")) / "o16n" / "ledger-head"
    assert str(problems[0]) == (
        f"ledger/decisions.jsonl (seq 2): record 2 ({last.record['hash'][:12]}), the last one "
        "appended in this repository, is not in the ledger and no commit has it: it was "
        "deleted or replaced before being committed. Put it back; if it was discarded on "
        f"purpose, delete {witness} (o16n's note of the last record appended here) to accept "
        "that"
    )
    with pytest.raises(LedgerError, match="not appending"):  # nor is the gap papered over
        append(repo)
    witness.unlink()  # discarded on purpose, and said so
    assert found(repo) == []
    assert append(repo).seq == 2


def test_the_witness_is_written_atomically_outside_the_working_tree(repo: Path) -> None:
    record = append(repo).record
    witness = Path(git(repo, "rev-parse", "--git-path", "o16n/ledger-head"))
    assert json.loads((repo / witness).read_text()) == {"hash": record["hash"], "seq": 1}
    assert git(repo, "status", "--porcelain", "--ignored", "--", ".git") == ""
    assert not list((repo / witness).parent.glob(".*.tmp"))


def test_a_branch_switched_away_from_keeps_its_records(repo: Path) -> None:
    """The witness names a record committed on another branch: not a deletion."""
    append(repo)
    commit_ledger(repo)
    git(repo, "checkout", "-q", "-b", "experiment")
    append(repo, "fail")
    commit_ledger(repo, "Record on the experiment")
    git(repo, "checkout", "-q", "main")

    assert found(repo) == []
    assert append(repo).seq == 2  # main's own record 2


def test_an_edited_witness_is_a_problem(repo: Path) -> None:
    append(repo)
    witness = repo / ".git" / "o16n" / "ledger-head"
    witness.write_text('{"seq": "one"}\n')
    ((_, _, message),) = found(repo)
    assert message.endswith(
        'o16n\'s note of the last record appended here, is not {"hash": ..., "seq": ...}: '
        "it was edited; delete it to start witnessing anew"
    )


# ---- (d) trust comes from main, not from the branch ------------------------------------------


def test_a_key_added_to_allowed_signers_on_a_branch_is_not_trusted(
    repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    append(repo)
    git(repo, "checkout", "-q", "-b", "forgery")
    write_allowed_signers(
        repo,
        [(CI, keys["ci"], NAMESPACES), ("me@example.com", keys["forger"], NAMESPACES)],
        commit="Trust me too",
    )
    use_key(monkeypatch, keys["forger"])
    append(repo)

    assert found(repo) == [(2, 2, not_listed(keys["forger"]))]
    # trusting the branch is a choice made out loud, on the command line
    assert found(repo, trust_ref="forgery") == []


# ---- (e) a listed key, but for another principal's purpose or another namespace ------------


@pytest.mark.parametrize("name", ["ann", "releases"])
def test_a_key_listed_for_other_namespaces_cannot_sign_the_ledger(
    repo: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    append(repo)
    use_key(monkeypatch, keys[name])
    append(repo)
    fingerprint = loaded(keys[name]).fingerprint
    assert found(repo) == [
        (
            2,
            2,
            f"signature: signed by key {fingerprint}, which {TRUST} does not list for "
            f"{signing.LEDGER_NAMESPACE}",
        )
    ]


def test_a_signature_made_for_another_namespace_fails(repo: Path, keys: dict[str, Path]) -> None:
    """The CI key's signature of the same bytes for o16n-release (a release manifest's
    namespace) is not a ledger signature."""
    first = append(repo).record
    sealed = ledger.seal(decision(head(repo), OUTS), 2, first["hash"])
    ci = loaded(keys["ci"])
    signature = ci.sign(ledger.signed_message(sealed), signing.RELEASE_NAMESPACE)
    sealed["sig"] = {"key": ci.fingerprint, "signature": signature}
    sealed["hash"] = ledger.record_hash(sealed)
    (repo / ledger.LEDGER).write_text(
        "".join([*ledger_lines(repo), ledger.canonical(sealed) + "\n"]), encoding="utf-8"
    )
    assert found(repo) == [
        (2, 2, "signature: signed for namespace 'o16n-release', not 'o16n-ledger'")
    ]


def test_a_sig_whose_key_field_lies_about_the_signer(repo: Path, keys: dict[str, Path]) -> None:
    first = append(repo).record
    sealed = ledger.seal(decision(head(repo), OUTS), 2, first["hash"], loaded(keys["ci"]))
    sealed["sig"] = sealed["sig"] | {"key": "SHA256:someone-else"}
    sealed["hash"] = ledger.record_hash(sealed)
    (repo / ledger.LEDGER).write_text(
        "".join([*ledger_lines(repo), ledger.canonical(sealed) + "\n"]), encoding="utf-8"
    )
    ((line, seq, message),) = found(repo)
    assert (line, seq) == (2, 2)
    signer = loaded(keys["ci"]).fingerprint
    assert message == f"sig.key says SHA256:someone-else, but the signature is by {signer}"


# ---- the trust file and the trust ref --------------------------------------------------------


def test_no_allowed_signers_on_main_says_how_to_fix_it(
    tmp_path: Path, keys: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = make_repo(tmp_path / "repo")
    commit_pipeline(repo, data="1" * 32, model="2" * 32)
    use_key(monkeypatch, keys["ci"])
    append(repo)
    ((line, seq, message),) = found(repo)
    assert (line, seq) == (None, None)
    assert message.startswith(
        "no policies/allowed_signers on main: no key is trusted to sign the ledger, so no "
        "signature can be checked. List the CI signing key there, `o16n-ci@example.com "
        'namespaces="o16n-ledger,o16n-release" ssh-ed25519 AAAA...`'
    )
    assert message.endswith("and commit it to main")


def test_a_trust_ref_that_does_not_exist_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    append(repo)
    with pytest.raises(UsageError, match="--trust-ref release-2025: no such revision"):
        ledger.verify(repo, trust_ref="release-2025")
    code = cli.main(["ledger", "verify", "--project", str(repo), "--trust-ref", "nope"])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert "--trust-ref nope: no such revision" in err and "--trust-ref origin/main" in err


def test_an_allowed_signers_line_that_does_not_parse_names_its_file_and_line(
    repo: Path, keys: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    append(repo)
    path = repo / signing.ALLOWED_SIGNERS
    path.write_text(path.read_text() + "broken-line-without-a-key\n")
    git(repo, "commit", "-q", "-am", "Break the trust file")
    with pytest.raises(ConfigError) as raised:
        ledger.verify(repo)
    assert (raised.value.file, raised.value.line) == (TRUST, 4)
    assert cli.main(["ledger", "verify", "--project", str(repo)]) == EXIT_USAGE
    assert f"{TRUST}:4: an allowed signer needs" in capsys.readouterr().err


def test_ledger_verify_on_the_command_line(
    repo: Path,
    keys: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    append(repo)
    assert cli.main(["ledger", "verify", "--project", str(repo)]) == EXIT_OK
    assert "1 records, chain intact, signed by keys main:" in capsys.readouterr().out
    use_key(monkeypatch, keys["forger"])
    append(repo)
    assert cli.main(["ledger", "verify", "--project", str(repo)]) == EXIT_FAILED
    out = capsys.readouterr().out
    assert f"ledger/decisions.jsonl:2 (seq 2): {not_listed(keys['forger'])}" in out
    assert out.endswith("1 problem: the ledger cannot be trusted\n")
