"""The decision ledger: one JSON record per gate decision, appended to a hash-chained file.

Each line of `ledger/decisions.jsonl` is a record in canonical JSON (sorted keys, no spaces).
A record carries `seq` (1, 2, ...), `prev` (the previous record's hash) and `hash` (sha256 of
its own canonical JSON without `hash`), so editing, deleting or reordering a record breaks the
chain. Git history backs the chain: every committed version of the file must be a prefix of the
current one, which catches a rewritten chain and a dropped tail. Each record's data and model
hashes must still match `dvc.lock` at the record's commit.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.adapters.dvc import lineage
from o16n.adapters.files import write_text_atomic
from o16n.errors import ConfigError, LedgerError

LEDGER = Path("ledger") / "decisions.jsonl"
GENESIS = "0" * 64  # the `prev` of the first record
SEALS = ("seq", "prev", "hash")  # the fields append() sets


@dataclass(frozen=True)
class Problem:
    line: int | None
    seq: int | None
    message: str

    def __str__(self) -> str:
        where = f"{LEDGER.as_posix()}:{self.line}" if self.line else LEDGER.as_posix()
        return f"{where}{f' (seq {self.seq})' if self.seq is not None else ''}: {self.message}"


def canonical(value: object) -> str:
    """The one JSON form: a record hashes and reads the same on every machine."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def record_hash(record: Mapping[str, Any]) -> str:
    unsealed = {k: v for k, v in record.items() if k != "hash"}
    return hashlib.sha256(canonical(unsealed).encode("utf-8")).hexdigest()


def seal(record: Mapping[str, Any], seq: int, prev: str) -> dict[str, Any]:
    """The record as the ledger stores it: numbered, linked to `prev`, hashed."""
    sealed = {k: v for k, v in record.items() if k not in SEALS}
    sealed.update(seq=seq, prev=prev)
    sealed["hash"] = record_hash(sealed)
    return sealed


def append(project: Path, record: Mapping[str, Any]) -> dict[str, Any]:
    """Append `record` to the project's ledger and return it sealed (seq, prev, hash)."""
    text = _current_text(project)
    if text is None:
        raise LedgerError(f"{LEDGER.as_posix()} is not UTF-8 text", hint="run `o16n ledger verify`")
    records, problems = _parse(text)
    problems += _history_problems(project, text, exists=(project / LEDGER).is_file())
    if problems:
        raise LedgerError(
            f"the ledger is broken, not appending to it: {problems[0]}",
            hint="run `o16n ledger verify` to see every problem",
        )
    prev = str(records[-1][1]["hash"]) if records else GENESIS
    try:
        sealed = seal(record, len(records) + 1, prev)
        line = canonical(sealed)
    except (TypeError, ValueError) as exc:  # a set, a NaN: not JSON, not hashable the same way
        raise LedgerError(f"the decision record is not plain JSON: {exc}") from None
    write_text_atomic(project / LEDGER, text + line + "\n")
    return sealed


def read(path: Path) -> list[dict[str, Any]]:
    """The records of a ledger file, in order; a missing file is an empty ledger."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
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
        records.append(record)
    return records


def ledger_hash(project: Path) -> str | None:
    """The head of the chain: the last record's hash, or None for an empty ledger."""
    records = read(project / LEDGER)
    return str(records[-1]["hash"]) if records else None


def verify(project: Path) -> list[Problem]:
    """Every problem with the ledger: chain, git history (append-only) and lineage."""
    exists = (project / LEDGER).is_file()
    text = _current_text(project)
    if text is None:
        return [Problem(None, None, "not UTF-8 text: a byte was edited")]
    records, problems = _parse(text)
    problems += _history_problems(project, text, exists=exists)
    problems += _lineage_problems(project, records)
    return problems


def _current_text(project: Path) -> str | None:
    """The file exactly as stored ("" when missing); None when it is not UTF-8."""
    try:
        return (project / LEDGER).read_bytes().decode("utf-8")
    except FileNotFoundError:
        return ""
    except UnicodeDecodeError:
        return None


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
    found = seq if isinstance(seq, int) else None
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


def _history_problems(project: Path, text: str, *, exists: bool) -> list[Problem]:
    """Append-only across git history: each committed version is a prefix of the file now."""
    if not git.in_repository(project):
        return [Problem(None, None, "not in a git repository: history and lineage unchecked")]
    log = git.run("log", "--format=%H", "--", LEDGER.as_posix(), project=project)
    problems: list[Problem] = []
    for commit in log.output.split() if log.ok else []:
        shown = git.run("show", f"{commit}:{LEDGER.as_posix()}", project=project)
        if not shown.ok or text.startswith(shown.output):
            continue  # not ok: the commit deleted the file; earlier versions still count
        if not exists:
            return [
                Problem(
                    None,
                    None,
                    f"the ledger is gone, but commit {commit[:7]} has it: "
                    f"restore it with `git checkout {commit[:7]} -- {LEDGER.as_posix()}`",
                )
            ]
        line = _first_difference(shown.output, text)
        problems.append(
            Problem(
                line,
                None,
                f"differs from the ledger committed in {commit[:7]}: committed "
                "records were edited, removed or reordered",
            )
        )
    return problems


def _first_difference(old: str, new: str) -> int:
    same = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), None)
    return old[: min(len(old), len(new)) if same is None else same].count("\n") + 1


def _lineage_problems(project: Path, records: list[tuple[int, dict[str, Any]]]) -> list[Problem]:
    """Each decision's recorded output hashes against dvc.lock at its commit."""
    locks: dict[str, lineage.Lineage | str] = {}  # commit -> its lineage, or why there is none
    problems: list[Problem] = []
    for number, record in records:
        seq = record.get("seq") if isinstance(record.get("seq"), int) else None
        for message in _record_lineage(project, record, locks):
            problems.append(Problem(number, seq, message))
    return problems


def _record_lineage(
    project: Path, record: dict[str, Any], locks: dict[str, lineage.Lineage | str]
) -> list[str]:
    inputs = record.get("inputs")
    if not isinstance(inputs, dict):
        return ["a decision has no inputs"] if record.get("kind") == "decision" else []
    commit, outs = inputs.get("commit"), inputs.get("outs") or {}
    if not isinstance(commit, str) or not isinstance(outs, dict):
        return ["inputs.commit is not a string or inputs.outs is not a mapping"]
    if commit not in locks:
        locks[commit] = _lock_at(project, commit)
    lock = locks[commit]
    if isinstance(lock, str):
        return [lock]
    return [
        f"{path}: recorded {outs.get(path) or 'absent'}, dvc.lock at {commit[:7]} has "
        f"{lock.outs.get(path) or 'absent'}"
        for path in sorted(set(outs) | set(lock.outs))
        if outs.get(path) != lock.outs.get(path)
    ]


def _lock_at(project: Path, commit: str) -> lineage.Lineage | str:
    if not git.revision_exists(commit, project):
        return f"inputs.commit {commit!r} is not a commit in this repository"
    try:
        lock = lineage.at_revision(project, commit)
    except ConfigError as exc:
        return f"dvc.lock at {commit[:7]} cannot be read: {exc.message}"
    return lock or lineage.Lineage()  # no dvc.lock then: no outputs to match
