"""The decision ledger: one signed JSON record per decision, appended to a hash-chained file.

Each line of `ledger/decisions.jsonl` is a record in canonical JSON (sorted keys, no spaces).
`append` sets four fields itself: `seq` (1, 2, ...), `prev` (the previous record's hash), `sig`
and `hash`. `sig` is `{"key": fingerprint, "signature": armored SSH signature}`, made with the
key in O16N_SIGNING_KEY for the namespace `o16n-ledger`, over the record's canonical JSON
without `sig` and `hash`; `hash` is the sha256 of the canonical JSON without `hash` (so it
covers `sig`). Without the variable a record is appended unsigned, and `Appended.warning` says
so: verify reports every unsigned record.

What `verify` checks, and what each catches:
- the chain (seq, prev, hash): an edited, deleted, inserted or reordered record;
- git history, every committed version of the file a prefix of the current one: a rewritten
  chain, a dropped committed tail (one `git log` and one `git cat-file` for all versions);
- the witness, `o16n/ledger-head` in the git directory (outside the working tree, never
  committed): the (seq, hash) of the last record appended here, written at each append. The
  chain, or some commit, must still hold it: dropping the last uncommitted record shows;
- signatures, against `policies/allowed_signers` as committed on `main` (`trust_ref`), not as
  in the checkout: a record made in a copy of the repository, a chain recomputed with `seal`,
  history rewritten to match it all fail unless signed by a key main lists for o16n-ledger, and
  a key added to the file on a branch is not trusted;
- lineage: each record's data and model hashes match dvc.lock at the record's commit;
- with `github`, each deploy and rollback against the GitHub Deployment whose payload names the
  record's hash, and each such deployment against the ledger: a copy outside the repository.

What it cannot catch: records signed with the trusted key itself (guard the secret), and a
change to who is trusted on main (that is branch protection's and review's job).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from o16n.adapters import git, signing
from o16n.adapters.dvc import lineage
from o16n.adapters.files import write_text_atomic
from o16n.errors import ConfigError, LedgerError, UsageError

if TYPE_CHECKING:  # importing the GitHub adapter loads github3: only verify --github needs it
    from o16n.adapters.github import ListedDeployment

LEDGER = Path("ledger") / "decisions.jsonl"
GENESIS = "0" * 64  # the `prev` of the first record
SEALS = ("seq", "prev", "sig", "hash")  # the fields append() sets
WITNESS = "o16n/ledger-head"  # in the git directory: the last record appended here
TRUST_REF = "main"  # whose policies/allowed_signers says which keys may sign
PAYLOAD_SEQ, PAYLOAD_HASH = "ledger_seq", "ledger_hash"  # in a GitHub Deployment's payload
_COMMIT_ID = re.compile(r"[0-9a-f]{40}|[0-9a-f]{64}")
_HASH = re.compile(r"[0-9a-f]{64}")
_SIGNER_EXAMPLE = (
    f'`o16n-ci@example.com namespaces="{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}" '
    "ssh-ed25519 AAAA...` (the public key of O16N_SIGNING_KEY)"
)


@dataclass(frozen=True)
class Problem:
    line: int | None
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"{LEDGER.as_posix()}:{self.line}" if self.line else LEDGER.as_posix()
        return f"{where}{f' (seq {self.seq})' if self.seq is not None else ''}: {self.message}"


@dataclass(frozen=True)
class Appended:
    """A record as `append` wrote it, and whether it is signed: a command that appends says
    when it is not, at once, rather than leaving it to the next `o16n ledger verify`."""

    record: dict[str, Any]

    @property
    def seq(self) -> int:
        return int(self.record["seq"])

    @property
    def signed(self) -> bool:
        return "sig" in self.record

    @property
    def warning(self) -> str | None:
        if self.signed:
            return None
        return (
            f"ledger record {self.seq} is not signed: {signing.KEY_VARIABLE} is not set; "
            f"`o16n ledger verify` will report it (to sign: {signing.KEY_HELP})"
        )


@dataclass(frozen=True)
class Verification:
    """What `verify` found: every problem, and what was checked when there are none."""

    problems: list[Problem]
    records: int
    trusted: str | None = None  # where the trusted keys were read: main:policies/allowed_signers
    deployments: int | None = None  # o16n's GitHub Deployments compared; None: not asked

    @property
    def ok(self) -> bool:
        return not self.problems


# ---- records ---------------------------------------------------------------------------------


def canonical(value: object) -> str:
    """The one JSON form: a record hashes and reads the same on every machine."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def record_hash(record: Mapping[str, Any]) -> str:
    unsealed = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(unsealed).encode("utf-8")).hexdigest()


def signed_message(record: Mapping[str, Any]) -> bytes:
    """What a record's signature covers: everything but `sig` and `hash` (seq and prev
    included, so a signed record cannot be moved to another place in another chain)."""
    return canonical({k: v for k, v in record.items() if k not in ("sig", "hash")}).encode()


def seal(
    record: Mapping[str, Any], seq: int, prev: str, key: signing.SigningKey | None = None
) -> dict[str, Any]:
    """The record as the ledger stores it: numbered, linked to `prev`, signed with `key`
    (unsigned without one), hashed."""
    sealed = {k: v for k, v in record.items() if k not in SEALS}
    sealed.update(seq=seq, prev=prev)
    if key is not None:
        signature = key.sign(signed_message(sealed), signing.LEDGER_NAMESPACE)
        sealed["sig"] = {"key": key.fingerprint, "signature": signature}
    sealed["hash"] = record_hash(sealed)
    return sealed


def append(project: Path, record: Mapping[str, Any]) -> Appended:
    """Append `record` to the project's ledger, signed with O16N_SIGNING_KEY when it is set,
    and note it as the witnessed head. A key that is set but unusable is a ConfigError, and a
    broken ledger a LedgerError, before anything is written."""
    key = signing.signing_key()
    data = _current_bytes(project)
    text = _decode(data)
    if text is None:
        raise LedgerError(f"{LEDGER.as_posix()} is not UTF-8 text", hint="run `o16n ledger verify`")
    records, problems = _parse(text)
    if not git.in_repository(project):
        problems.append(Problem(None, None, "not in a git repository: history unchecked"))
    else:
        problems += _history_problems(project, data, exists=(project / LEDGER).is_file())
        problems += _witness_problems(project, records) if not problems else []
    if problems:
        raise LedgerError(
            f"the ledger is broken, not appending to it: {problems[0]}",
            hint="run `o16n ledger verify` to see every problem",
        )
    prev = str(records[-1][1]["hash"]) if records else GENESIS
    try:
        sealed = seal(record, len(records) + 1, prev, key)
        line = canonical(sealed)
    except (TypeError, ValueError) as exc:  # a set, a NaN: not JSON, not hashable the same way
        raise LedgerError(f"the decision record is not plain JSON: {exc}") from None
    write_text_atomic(project / LEDGER, text + line + "\n")
    _write_witness(project, sealed)  # after the ledger: a crash between leaves it one behind
    return Appended(sealed)


def deployment_payload(appended: Appended) -> dict[str, Any]:
    """What a GitHub Deployment's payload carries of the record that decided it."""
    return {PAYLOAD_SEQ: appended.seq, PAYLOAD_HASH: appended.record["hash"]}


def read(path: Path) -> list[dict[str, Any]]:
    """The records of a ledger file, in order; a missing file is an empty ledger."""
    return [record for _, record in numbered(path)]


def numbered(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line, record) of each record of a ledger file, in order: the lines `verify` names its
    problems by. A line that is no JSON object, or a byte that is no UTF-8, is a ConfigError
    naming the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except UnicodeDecodeError as exc:
        edited = path.read_bytes()[: exc.start].count(b"\n") + 1
        raise ConfigError(
            "not UTF-8 text: a byte was edited",
            file=path,
            line=edited,
            hint="`o16n ledger verify` lists what else is wrong; restore the file from git",
        ) from None
    records = []
    # split on "\n" only: str.splitlines() also splits on U+2028, which JSON strings may hold
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"not JSON: {exc.msg}", file=path, line=number) from None
        if not isinstance(record, dict):
            raise ConfigError("a record is a JSON object", file=path, line=number)
        records.append((number, record))
    return records


def record_problems(
    verification: Verification, lines: Sequence[int]
) -> dict[int, tuple[Problem, ...]]:
    """Each record's problems, by the record's line: its own, and those at an earlier (or the
    same) line that name no record (committed lines edited from there on, a blank line): the
    chain cannot be trusted past them. The ledger's problems as a whole (no line: no trusted
    key, not in git, a dropped tail) are `whole_problems`', every record's."""
    found: dict[int, list[Problem]] = {line: [] for line in lines}
    for problem in verification.problems:
        if problem.line is None:
            continue
        if problem.seq is not None and problem.line in found:
            found[problem.line].append(problem)
            continue
        for line in found:
            if problem.seq is None and line >= problem.line:
                found[line].append(problem)
    return {line: tuple(problems) for line, problems in found.items()}


def whole_problems(verification: Verification) -> tuple[Problem, ...]:
    """The problems that name no line: no record can be trusted with them."""
    return tuple(p for p in verification.problems if p.line is None)


def ledger_hash(project: Path) -> str | None:
    """The head of the chain: the last record's hash, or None for an empty ledger."""
    records = read(project / LEDGER)
    return str(records[-1]["hash"]) if records else None


def reset_witness(project: Path) -> None:
    """Witness the ledger as it is now (its last record, or nothing for an empty ledger): for
    o16n's own recovery, which puts back the committed ledger after an interrupted deploy and
    says so, dropping the record that deploy appended."""
    path = git.git_path(WITNESS, project)
    if path is None:
        return
    records, _ = _parse(_decode(_current_bytes(project)) or "")  # verify says what is wrong
    if records:
        _write_witness(project, records[-1][1])
    else:
        path.unlink(missing_ok=True)


# ---- verification ----------------------------------------------------------------------------


def verify(project: Path, *, trust_ref: str = TRUST_REF, github: bool = False) -> Verification:
    """Every problem with the ledger: chain, git history, witness, signatures (keys trusted by
    `trust_ref`'s policies/allowed_signers), lineage and, with `github`, GitHub Deployments.
    A `trust_ref` that names no commit is a UsageError; an allowed_signers line that does not
    parse a ConfigError."""
    data = _current_bytes(project)
    text = _decode(data)
    if text is None:
        return Verification([Problem(None, None, "not UTF-8 text: a byte was edited")], 0)
    records, problems = _parse(text)
    if not git.in_repository(project):
        message = "not in a git repository: history, signatures and lineage unchecked"
        return Verification([*problems, Problem(None, None, message)], len(records))
    trusted = _trusted(project, trust_ref)
    problems += _history_problems(project, data, exists=(project / LEDGER).is_file())
    problems += _witness_problems(project, records)
    problems += _signature_problems(records, trusted, trust_ref)
    problems += _lineage_problems(project, records)
    compared = None
    if github:
        found, compared = _github_problems(records)
        problems += found
    source = trusted.source if trusted else None
    return Verification(problems, len(records), source, compared)


def _current_bytes(project: Path) -> bytes:
    """The file exactly as stored (b"" when missing)."""
    try:
        return (project / LEDGER).read_bytes()
    except FileNotFoundError:
        return b""


def _decode(data: bytes) -> str | None:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _seq(record: Mapping[str, Any]) -> int | None:
    seq = record.get("seq")
    return seq if isinstance(seq, int) else None


# ---- the chain -------------------------------------------------------------------------------


def _parse(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[Problem]]:
    """(line number, record) for each record that parses, and the chain's problems."""
    if text and not text.endswith("\n"):
        problems = [Problem(text.count("\n") + 1, None, "the file does not end with a newline")]
    else:
        problems = []
    records: list[tuple[int, dict[str, Any]]] = []
    prev: str | None = GENESIS
    position = 0  # records so far, unreadable ones included: seq should equal it
    for number, line in enumerate(text.split("\n"), start=1):
        if not line:
            if number <= text.count("\n"):
                problems.append(Problem(number, None, "blank line"))
            continue
        position += 1
        record, message = _load(line)
        if record is None:
            problems.append(Problem(number, None, message))
            prev = None  # the chain is broken here; the next link cannot be checked
            continue
        problems += _link_problems(number, record, expected_seq=position, prev=prev)
        records.append((number, record))
        prev = record.get("hash") if isinstance(record.get("hash"), str) else None
    return records, problems


def _load(line: str) -> tuple[dict[str, Any] | None, str]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        return None, f"not JSON ({exc.msg}, column {exc.colno})"
    if not isinstance(record, dict):
        return None, "not a JSON object"
    try:
        if canonical(record) != line:  # equal values, other bytes: still an edit
            return None, "not in canonical JSON form: the line was edited"
    except ValueError:
        return None, "not in canonical JSON form: the line was edited"
    return record, ""


def _link_problems(
    number: int, record: dict[str, Any], *, expected_seq: int, prev: str | None
) -> list[Problem]:
    seq = record.get("seq")
    found = _seq(record)
    problems: list[Problem] = []
    if seq != expected_seq:
        problems.append(
            Problem(
                number,
                found,
                f"seq is {seq!r}, expected {expected_seq}: a record was deleted, inserted or moved",
            )
        )
    if prev is not None and record.get("prev") != prev:
        problems.append(
            Problem(
                number,
                found,
                "prev is not the hash of the record before it: a record was "
                "deleted, inserted or moved",
            )
        )
    if record.get("hash") != record_hash(record):
        problems.append(Problem(number, found, "hash does not match the record: it was edited"))
    return problems


# ---- git history -----------------------------------------------------------------------------


def _history_problems(project: Path, data: bytes, *, exists: bool) -> list[Problem]:
    """Append-only across git history: each committed version is a prefix of the file now.

    A version is a prefix when its blob id is the id of the file's first `size` bytes, so
    one `git cat-file --batch-check` answers for every commit; only versions that differ are
    read, to say where."""
    log = git.run("log", "--format=%H", "--", LEDGER.as_posix(), project=project)
    commits = log.output.split() if log.ok else []
    versions = git.object_info((f"{c}:{LEDGER.as_posix()}" for c in commits), project)
    prefixes: dict[str, bool] = {}  # blob id -> whether it is a prefix of the file now
    differing: list[tuple[str, str]] = []  # (commit, blob id), newest first
    for commit in commits:
        version = versions[f"{commit}:{LEDGER.as_posix()}"]
        if version is None:
            continue  # the commit deleted the file; earlier versions still count
        if version.oid not in prefixes:
            prefixes[version.oid] = _is_prefix(data, version)
        if not prefixes[version.oid]:
            differing.append((commit, version.oid))
    if not differing:
        return []
    if not exists:
        first = differing[0][0][:7]
        return [
            Problem(
                None,
                None,
                f"the ledger is gone, but commit {first} has it: "
                f"restore it with `git checkout {first} -- {LEDGER.as_posix()}`",
            )
        ]
    contents = git.objects((oid for _, oid in differing), project)
    return [
        Problem(
            _first_difference(contents[oid] or b"", data),
            None,
            f"differs from the ledger committed in {commit[:7]}: committed "
            "records were edited, removed or reordered",
        )
        for commit, oid in differing
    ]


def _is_prefix(data: bytes, version: git.ObjectInfo) -> bool:
    """Whether the blob `version` is the first `version.size` bytes of `data`, by its id:
    git names a blob by the hash of `blob <size>\\0<content>` (sha1, or sha256)."""
    if version.size > len(data):
        return False
    # git's own object names (a sha256 repository has 64-digit ids), not a security choice
    blob = hashlib.sha256() if len(version.oid) == 64 else hashlib.sha1()
    blob.update(b"blob %d\0" % version.size)
    blob.update(memoryview(data)[: version.size])
    return blob.hexdigest() == version.oid


def _first_difference(old: bytes, new: bytes) -> int:
    same = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
    return old[: min(len(old), len(new)) if same is None else same].count(b"\n") + 1


# ---- the witness -----------------------------------------------------------------------------


def _write_witness(project: Path, record: Mapping[str, Any]) -> None:
    path = git.git_path(WITNESS, project)
    if path is not None:
        write_text_atomic(path, canonical({"hash": record["hash"], "seq": record["seq"]}) + "\n")


def _read_witness(path: Path) -> tuple[int, str] | str:
    """(seq, hash) as the witness holds them, or what is wrong with it."""
    try:
        held = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return f"cannot be read ({exc})"
    seq = held.get("seq") if isinstance(held, dict) else None
    digest = held.get("hash") if isinstance(held, dict) else None
    if not isinstance(seq, int) or not isinstance(digest, str) or not _HASH.fullmatch(digest):
        return 'is not {"hash": ..., "seq": ...}'
    return seq, digest


def _witness_problems(project: Path, records: list[tuple[int, dict[str, Any]]]) -> list[Problem]:
    """The last record appended here must still be in the ledger, or in a commit of any ref (a
    branch switched away from still has its records)."""
    path = git.git_path(WITNESS, project)
    if path is None or not path.is_file():
        return []  # a fresh clone, or nothing appended here yet
    witnessed = _read_witness(path)
    if isinstance(witnessed, str):
        return [
            Problem(
                None,
                None,
                f"{path}, o16n's note of the last record appended here, {witnessed}: "
                "it was edited; delete it to start witnessing anew",
            )
        ]
    seq, digest = witnessed
    if any(_seq(r) == seq and r.get("hash") == digest for _, r in records):
        return []
    anywhere = git.run(
        "log", "--all", "--format=%H", "-1", f"-S{digest}", "--", LEDGER.as_posix(), project=project
    )
    if anywhere.ok and anywhere.output.strip():
        return []
    return [
        Problem(
            None,
            seq,
            f"record {seq} ({digest[:12]}), the last one appended in this repository, is not "
            "in the ledger and no commit has it: it was deleted or replaced before being "
            f"committed. Put it back; if it was discarded on purpose, delete {path} "
            "(o16n's note of the last record appended here) to accept that",
        )
    ]


# ---- signatures ------------------------------------------------------------------------------


def _trusted(project: Path, ref: str) -> signing.AllowedSigners | None:
    if not git.revision_exists(ref, project):
        raise UsageError(
            f"--trust-ref {ref}: no such revision in this repository, so no key is trusted",
            hint=f"the keys trusted to sign are {signing.ALLOWED_SIGNERS} as committed on the "
            f"protected branch: fetch it (`git fetch origin {ref}:{ref}`), or name a revision "
            "this clone has, e.g. `--trust-ref origin/main`",
        )
    return signing.allowed_signers_at(project, ref)


def _signature_problems(
    records: list[tuple[int, dict[str, Any]]], trusted: signing.AllowedSigners | None, ref: str
) -> list[Problem]:
    problems: list[Problem] = []
    if trusted is None and records:
        problems.append(
            Problem(
                None,
                None,
                f"no {signing.ALLOWED_SIGNERS} on {ref}: no key is trusted to sign the ledger, "
                f"so no signature can be checked. List the CI signing key there, "
                f"{_SIGNER_EXAMPLE}, and commit it to {ref}",
            )
        )
    for number, record in records:
        message = _signature_problem(record, trusted)
        if message:
            problems.append(Problem(number, _seq(record), message))
    return problems


def _signature_problem(
    record: Mapping[str, Any], trusted: signing.AllowedSigners | None
) -> str | None:
    sig = record.get("sig")
    if sig is None:
        return (
            f"not signed: appended without {signing.KEY_VARIABLE} (or its signature was "
            "removed); only records signed by a trusted key count"
        )
    if not (
        isinstance(sig, dict)
        and isinstance(sig.get("key"), str)
        and isinstance(sig.get("signature"), str)
    ):
        return 'sig is not {"key": fingerprint, "signature": armored SSH signature}'
    if trusted is None:
        return None
    checked = signing.check(
        signed_message(record), sig["signature"], signing.LEDGER_NAMESPACE, trusted
    )
    if not checked.ok:
        return f"signature: {checked.reason}"
    if checked.fingerprint != sig["key"]:
        return f"sig.key says {sig['key']}, but the signature is by {checked.fingerprint}"
    return None


# ---- lineage ---------------------------------------------------------------------------------


def _lineage_problems(project: Path, records: list[tuple[int, dict[str, Any]]]) -> list[Problem]:
    """Each decision's recorded output hashes against dvc.lock at its commit."""
    named = {
        commit
        for _, record in records
        if isinstance(inputs := record.get("inputs"), dict)
        and isinstance(commit := inputs.get("commit"), str)
    }
    locks = _locks_at(project, sorted(named))
    problems: list[Problem] = []
    for number, record in records:
        for message in _record_lineage(record, locks):
            problems.append(Problem(number, _seq(record), message))
    return problems


def _record_lineage(
    record: dict[str, Any], locks: Mapping[str, lineage.Lineage | str]
) -> list[str]:
    inputs = record.get("inputs")
    if not isinstance(inputs, dict):
        return ["a decision has no inputs"] if record.get("kind") == "decision" else []
    commit, outs = inputs.get("commit"), inputs.get("outs") or {}
    if not isinstance(commit, str) or not isinstance(outs, dict):
        return ["inputs.commit is not a string or inputs.outs is not a mapping"]
    lock = locks[commit]
    if isinstance(lock, str):
        return [lock]
    return [
        f"{path}: recorded {outs.get(path) or 'absent'}, dvc.lock at {commit[:7]} has "
        f"{lock.outs.get(path) or 'absent'}"
        for path in sorted(set(outs) | set(lock.outs))
        if outs.get(path) != lock.outs.get(path)
    ]


def _locks_at(project: Path, commits: Sequence[str]) -> dict[str, lineage.Lineage | str]:
    """Each commit's lineage, or why there is none: one `git cat-file --batch-check` for
    every commit, one `--batch` for the distinct dvc.lock files, each parsed once."""
    ids = [c for c in commits if _COMMIT_ID.fullmatch(c)]
    info = git.object_info(
        [*(f"{c}^{{commit}}" for c in ids), *(f"{c}:{lineage.LOCK}" for c in ids)], project
    )
    blobs = {i.oid for c in ids if (i := info[f"{c}:{lineage.LOCK}"]) is not None}
    texts = git.objects(sorted(blobs), project)
    parsed: dict[str, lineage.Lineage | ConfigError] = {}
    locks: dict[str, lineage.Lineage | str] = {}
    for commit in commits:
        if commit not in ids:
            locks[commit] = f"inputs.commit {commit!r} is not a full commit id"
            continue
        if info[f"{commit}^{{commit}}"] is None:
            locks[commit] = f"inputs.commit {commit!r} is not a commit in this repository"
            continue
        lock = info[f"{commit}:{lineage.LOCK}"]
        if lock is None:
            locks[commit] = lineage.Lineage()  # no dvc.lock then: no outputs to match
            continue
        if lock.oid not in parsed:
            parsed[lock.oid] = _parse_lock(texts.get(lock.oid))
        found = parsed[lock.oid]
        locks[commit] = (
            found
            if isinstance(found, lineage.Lineage)
            else f"dvc.lock at {commit[:7]} cannot be read: {found.message}"
        )
    return locks


def _parse_lock(data: bytes | None) -> lineage.Lineage | ConfigError:
    try:
        return lineage.parse((data or b"").decode("utf-8"), lineage.LOCK)
    except UnicodeDecodeError:
        return ConfigError("not UTF-8 text", file=lineage.LOCK)
    except ConfigError as exc:
        return exc


# ---- GitHub Deployments ----------------------------------------------------------------------


def is_deploy(record: Mapping[str, Any]) -> bool:
    """A record of `o16n deploy` (deployed or refused) or `o16n rollback`: each has a GitHub
    Deployment when it ran with --github."""
    if record.get("kind") == "rollback":
        return True
    return record.get("stage") == "deploy" and record.get("action") in ("deploy", "refused")


def _github_problems(records: list[tuple[int, dict[str, Any]]]) -> tuple[list[Problem], int]:
    from o16n.adapters import github  # github3 is loaded only when asked for

    actions = github.Actions.from_env()
    listed = github.deployments(github.connect(actions), actions)
    return deployment_problems(records, listed, actions.repository)


def deployment_problems(
    records: list[tuple[int, dict[str, Any]]], listed: Sequence[ListedDeployment], repository: str
) -> tuple[list[Problem], int]:
    """Each deploy record against the deployments naming its hash, and each deployment that
    names a hash against the ledger; (problems, how many of o16n's deployments were compared).
    Deployments without a ledger hash (made by others, or by Actions for a job's
    environment) are not o16n's and are left out."""
    ours = [d for d in listed if isinstance(d.payload.get(PAYLOAD_HASH), str)]
    by_hash: dict[str, list[ListedDeployment]] = {}
    for deployment in ours:
        by_hash.setdefault(deployment.payload[PAYLOAD_HASH], []).append(deployment)
    problems: list[Problem] = []
    for number, record in records:
        if is_deploy(record):
            for message in _deployed_as_recorded(
                record, by_hash.get(str(record.get("hash"))), repository
            ):
                problems.append(Problem(number, _seq(record), message))
    in_ledger = {str(r.get("hash")): (number, r) for number, r in records}
    for deployment in ours:
        digest = deployment.payload[PAYLOAD_HASH]
        held = in_ledger.get(digest)
        where = (
            f"GitHub Deployment {deployment.id} ({deployment.environment}, {deployment.created_at})"
        )
        if held is None:
            problems.append(
                Problem(
                    None,
                    _payload_seq(deployment.payload),
                    f"{where} names ledger record {digest[:12]}, which the ledger lacks: the "
                    "record was removed, or the commit holding it never reached this branch "
                    "(push the deploy's commit, a refusal's too)",
                )
            )
        elif not is_deploy(held[1]):
            problems.append(
                Problem(held[0], _seq(held[1]), f"{where} names this record, which is no deploy")
            )
    return problems, len(ours)


def _deployed_as_recorded(
    record: Mapping[str, Any], found: list[ListedDeployment] | None, repository: str
) -> list[str]:
    what = "rollback" if record.get("kind") == "rollback" else "deploy"
    if not found:
        return [
            f"no GitHub Deployment in {repository} carries this {what}'s hash: it ran without "
            "--github, or its deployment was deleted"
        ]
    model = record.get("model")
    version = model.get("version") if isinstance(model, dict) else None
    messages = []
    for deployment in found:
        if deployment.environment != record.get("env"):
            messages.append(
                f"GitHub Deployment {deployment.id} is to {deployment.environment}, "
                f"the record's env is {record.get('env')}"
            )
        if deployment.payload.get("version") != version:
            messages.append(
                f"GitHub Deployment {deployment.id} is of {deployment.payload.get('version')}, "
                f"the record's model version is {version}"
            )
    return messages


def _payload_seq(payload: Mapping[str, Any]) -> int | None:
    seq = payload.get(PAYLOAD_SEQ)
    return seq if isinstance(seq, int) else None
