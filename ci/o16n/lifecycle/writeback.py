"""Writing a deploy back to the remote: the commit holding the desired state and the ledger
record, and the stage tag, pushed in one atomic push to the branch the desired state lives on
(o16n.yaml `github.branch`), with an identity the branch's ruleset lets bypass review (a
deploy key: see README, "Deploying to a protected branch").

A merge that lands while a deploy runs makes the push non-fast-forward. Then the branch is
fetched and o16n's own commits are replayed onto its new tip, and the push is tried again
(bounded, with backoff). Replaying is not `git rebase`: the ledger is a hash chain, and a
record appended on top of the old tip names the old tip's last record as `prev`. So each
replayed commit's records are appended again, in their order, after the records the tip
brought (new `seq` and `prev`, signed again with O16N_SIGNING_KEY), and its desired state
files are written as the commit had them. A record is never dropped (all of the commit's are
re-appended), never duplicated (the stale commit is not pushed) and never reordered (the
tip's records first, as they landed first). The stage tag points at the version's commit,
which the tip already has, so it is unchanged and is pushed with the branch, never before it.

What is not replayed, fail closed: a commit that changes anything but deploy/ and the ledger
(not o16n's), a desired state file that the tip changed too (a concurrent deploy: judge again),
a signed record when no signing key is set (it would land unsigned).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters import git, signing
from o16n.adapters.files import write_text_atomic
from o16n.errors import LedgerError, ToolError
from o16n.lifecycle import ledger
from o16n.serving.desired import DEPLOY_DIR

TRIES = 5  # pushes in all: the first and four after a lost race
BACKOFF = 0.5  # seconds before the first retry, doubled after each
PUSH_HINT = (
    "push with an identity the branch's ruleset lets bypass (the deploy key that "
    "`o16n github protect` lists as a bypass actor: actions/checkout's `ssh-key`), "
    "see README, 'Deploying to a protected branch'"
)


def pause(seconds: float) -> None:
    """The wait between pushes: a name of this module's own, so a test can replace it without
    replacing `time.sleep` for every thread of its process."""
    time.sleep(seconds)


@dataclass(frozen=True)
class Published:
    commit: str  # what the branch on the remote now is
    tries: int  # pushes it took
    replayed: int  # times o16n's commits were replayed onto a newer tip


@dataclass(frozen=True)
class _Replay:
    """One of o16n's commits, as data to apply again: its message, the records it appended
    and the desired state files it wrote (None: it deleted the file)."""

    message: str
    records: list[dict[str, Any]]  # as they were sealed on the old tip
    files: dict[str, bytes | None]


def publish(
    project: Path,
    remote: str,
    branch: str,
    tags: Sequence[str] = (),
    *,
    tries: int = TRIES,
    backoff: float = BACKOFF,
    sleep: Callable[[float], None] | None = None,
    say: Callable[[str], None] = lambda text: None,
) -> Published:
    """Push HEAD to `remote`'s `branch` with `tags`, atomically; after a lost race, fetch,
    replay o16n's commits onto the new tip and push again, up to `tries` pushes in all."""
    refspecs = [f"HEAD:refs/heads/{branch}", *(f"refs/tags/{t}:refs/tags/{t}" for t in tags)]
    for attempt in range(1, tries + 1):
        pushed = git.push(remote, refspecs, project)
        if pushed.ok:
            return Published(git.head(project), attempt, attempt - 1)
        if not pushed.raced:
            raise ToolError(
                f"the push of the desired state to {remote} {branch} was refused:\n{pushed.detail}",
                hint=PUSH_HINT,
            )
        if attempt == tries:
            break
        (sleep or pause)(backoff * 2 ** (attempt - 1))
        tip = git.fetch_branch(remote, branch, project)
        count = replay(project, tip)
        say(f"{branch} moved on to {tip[:12]}: {count} deploy commit(s) replayed onto it")
    raise ToolError(
        f"{remote} {branch} moved on during each of {tries} pushes: gave up",
        hint="run the deploy again: it is committed here, not on the remote",
    )


def replay(project: Path, tip: str) -> int:
    """Put o16n's commits on HEAD that `tip` lacks on top of `tip` (records re-chained and
    re-signed, desired state as committed); HEAD then is the last of them. Returns how many."""
    head = git.head(project)
    ours = git.commits_between(tip, head, project)
    if not ours:
        return 0
    _require_clean(project)
    base = git.run("merge-base", head, tip, project=project).output.strip()
    if not base:
        raise ToolError(f"HEAD {head[:12]} shares no history with the remote's {tip[:12]}")
    theirs = set(git.changed_paths(base, tip, project))
    plans = [_plan(project, commit, theirs) for commit in ours]
    reset = git.run("reset", "--quiet", "--hard", tip, project=project)
    if not reset.ok:
        raise ToolError(f"`git reset --hard {tip[:12]}` failed:\n{reset.tail()}")
    ledger.reset_witness(project)  # the tip's head is the chain's now; ours follow it
    for plan in plans:
        _apply(project, plan)
    return len(plans)


def _require_clean(project: Path) -> None:
    """Replaying resets the checkout: refuse when it holds changes nobody committed."""
    dirty = git.run("status", "--porcelain", "--untracked-files=no", project=project)
    if dirty.output.strip():
        raise ToolError(
            "the checkout has uncommitted changes: not replaying the deploy onto the remote",
            hint="commit or stash them, then push again",
        )


def _plan(project: Path, commit: str, theirs: set[str]) -> _Replay:
    parent = f"{commit}^"
    paths = git.changed_paths(parent, commit, project)
    ledger_path = ledger.LEDGER.as_posix()
    foreign = [p for p in paths if p != ledger_path and not p.startswith(f"{DEPLOY_DIR}/")]
    if foreign:
        raise ToolError(
            f"commit {commit[:12]} changes {', '.join(foreign[:3])}: not o16n's desired state "
            "or ledger, so it is not replayed onto the remote",
            hint="rebase it by hand, then push",
        )
    clash = [p for p in paths if p != ledger_path and p in theirs]
    if clash:
        raise ToolError(
            f"{', '.join(clash)} changed on the remote too while deploying (another deploy or "
            f"rollback landed): commit {commit[:12]} was judged against a state that is gone",
            hint="run the deploy again on the remote's branch",
        )
    records = _appended(project, parent, commit) if ledger_path in paths else []
    if any("sig" in r for r in records) and signing.signing_key() is None:
        raise LedgerError(
            f"commit {commit[:12]} holds signed ledger records that must be re-chained onto "
            f"the remote's tip, and {signing.KEY_VARIABLE} is not set: they would land unsigned",
            hint=f"set {signing.KEY_VARIABLE} for the push ({signing.KEY_HELP})",
        )
    state = [p for p in paths if p != ledger_path]  # a refusal commits only the ledger
    found = git.files_at(commit, state, project) if state else {}
    files: dict[str, bytes | None] = {p: found.get(p) for p in state}
    message = git.run("log", "-1", "--format=%B", commit, project=project).output.strip()
    return _Replay(message, records, files)


def _appended(project: Path, parent: str, commit: str) -> list[dict[str, Any]]:
    """The records `commit` appended to the ledger, as sealed then: its ledger must extend its
    parent's (append-only), else the chain was rewritten and nothing is replayed."""
    path = ledger.LEDGER.as_posix()
    before = git.files_at(parent, [path], project).get(path, b"")
    after = git.files_at(commit, [path], project).get(path, b"")
    if not after.startswith(before):
        raise LedgerError(
            f"commit {commit[:12]} rewrites committed ledger records: not replaying it",
            hint="run `o16n ledger verify`",
        )
    lines = after[len(before) :].decode("utf-8").split("\n")
    return [json.loads(line) for line in lines if line.strip()]


def _apply(project: Path, plan: _Replay) -> None:
    for rel, data in plan.files.items():
        if data is None:
            (project / rel).unlink(missing_ok=True)
        else:
            write_text_atomic(project / rel, data.decode("utf-8"))
    for record in plan.records:  # sealed again: numbered, linked, signed after the tip's
        ledger.append(project, {k: v for k, v in record.items() if k not in ledger.SEALS})
    paths = [*plan.files, ledger.LEDGER.as_posix()] if plan.records else [*plan.files]
    git.run("add", "-A", "--", *paths, project=project)
    done = git.run("commit", "--quiet", "-m", plan.message, "--", *paths, project=project)
    if not done.ok:
        raise ToolError(f"`git commit` of the replayed deploy failed:\n{done.tail()}")
