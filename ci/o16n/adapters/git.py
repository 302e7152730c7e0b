"""git: the commands o16n runs in a project's repository, and reading files at a revision."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from o16n.adapters.proc import Fed, Ran, feed
from o16n.adapters.proc import run as run_command
from o16n.errors import ToolError


def run(*args: str, project: Path) -> Ran:
    if shutil.which("git") is None:
        raise ToolError("git is not installed", hint="install git and run again")
    return run_command(["git", *args], project)


def _batch(mode: str, names: list[str], project: Path) -> Fed:
    if shutil.which("git") is None:
        raise ToolError("git is not installed", hint="install git and run again")
    fed = feed(["git", "cat-file", mode], "".join(f"{n}\n" for n in names).encode(), project)
    if not fed.ok:
        raise ToolError(f"`git cat-file {mode}` failed: {fed.errors.strip()}")
    return fed


@dataclass(frozen=True)
class ObjectInfo:
    oid: str  # the object's id (sha1, or sha256 in a repository of that format)
    kind: str  # blob, tree, commit, tag
    size: int  # bytes


def _header(line: str, name: str) -> ObjectInfo | None:
    """`<oid> <type> <size>`, or None for git's `<name> missing` (or `ambiguous`)."""
    if line in (f"{name} missing", f"{name} ambiguous"):
        return None
    fields = line.split(" ")
    if len(fields) != 3 or not fields[2].isdigit():
        raise ToolError(f"`git cat-file` answered {line!r} for {name!r}")
    return ObjectInfo(fields[0], fields[1], int(fields[2]))


def _askable(names: Iterable[str]) -> tuple[list[str], list[str]]:
    """Distinct names to send, and those that cannot be sent (a newline would end the query
    early: such a name names no object)."""
    distinct = list(dict.fromkeys(names))
    return [n for n in distinct if "\n" not in n], [n for n in distinct if "\n" in n]


def object_info(names: Iterable[str], project: Path) -> dict[str, ObjectInfo | None]:
    """What each name (`<commit>:<path>`, `<sha>^{commit}`) stands for, from one
    `git cat-file --batch-check` for all of them; None for a name that names no object."""
    asked, unaskable = _askable(names)
    found: dict[str, ObjectInfo | None] = dict.fromkeys(unaskable)
    if asked:
        answer = _batch("--batch-check", asked, project).output.decode(errors="replace")
        for name, line in zip(asked, answer.split("\n"), strict=False):
            found[name] = _header(line, name)
    return found


def objects(names: Iterable[str], project: Path) -> dict[str, bytes | None]:
    """The content of each named object, from one `git cat-file --batch` for all of them; None
    for a name that names no object. A blob comes back as stored (no filters, no newline
    conversion)."""
    asked, unaskable = _askable(names)
    found: dict[str, bytes | None] = dict.fromkeys(unaskable)
    data = _batch("--batch", asked, project).output if asked else b""
    offset = 0
    for name in asked:
        end = data.index(b"\n", offset)
        info = _header(data[offset:end].decode(errors="replace"), name)
        offset = end + 1
        if info is None:
            found[name] = None
            continue
        found[name] = data[offset : offset + info.size]
        offset += info.size + 1  # the content, then a newline
    return found


def git_path(name: str, project: Path) -> Path | None:
    """Where `name` lives inside the repository's git directory (`git rev-parse --git-path`):
    o16n's own files there are outside the working tree, per worktree, never committed."""
    ran = run("rev-parse", "--git-path", name, project=project)
    return project / ran.output.strip() if ran.ok and ran.output.strip() else None


def resolve(spec: str, project: Path) -> str | None:
    """The object name `spec` stands for (`main`, `HEAD^1`, `v1^{commit}`, `main:path`), or None
    when there is no such object."""
    ran = run("rev-parse", "--verify", "--quiet", spec, project=project)
    return ran.output.strip() if ran.ok and ran.output.strip() else None


def commit_of(revision: str, project: Path) -> str | None:
    """The commit a revision names, or None when it names none."""
    return resolve(f"{revision}^{{commit}}", project)


def head(project: Path) -> str:
    """The commit checked out."""
    commit = commit_of("HEAD", project)
    if commit is None:
        raise ToolError(f"{project} has no commit yet", hint="commit the project first")
    return commit


def in_repository(project: Path) -> bool:
    """Whether `project` is inside a git repository (any, not only an o16n project)."""
    return run("rev-parse", "--git-dir", project=project).ok


def revision_exists(revision: str, project: Path) -> bool:
    return commit_of(revision, project) is not None


def is_repository(project: Path) -> bool:
    return (project / ".git").exists() and (project / "dvc.yaml").is_file()


def read_at_revision(path: str, revision: str, project: Path) -> str | None:
    """A file as it was at `revision`: from git, or (a DVC output) from the DVC cache or remote.
    None when it cannot be had there (not tracked then, or not pushed)."""
    shown = run("show", f"{revision}:{path}", project=project)
    if shown.ok:
        return shown.output
    try:
        import dvc.api
        from dvc.exceptions import DvcException

        return str(dvc.api.read(path, repo=str(project), rev=revision, mode="r"))
    except (DvcException, FileNotFoundError, OSError):
        return None


def files_at(revision: str, paths: Sequence[str], project: Path) -> dict[str, bytes]:
    """The files at `revision` under each of `paths` (files or folders), as bytes: one
    `ls-tree` and one `cat-file --batch` however many there are. Paths not there are absent."""
    listed = run("ls-tree", "-r", "-z", "--full-tree", revision, "--", *paths, project=project)
    if not listed.ok:
        return {}
    entries = []  # (blob id, path)
    for item in listed.output.split("\0"):
        meta, _, path = item.partition("\t")
        fields = meta.split()
        if len(fields) == 3 and fields[1] == "blob":
            entries.append((fields[2], path))
    if not entries:
        return {}
    if shutil.which("git") is None:
        raise ToolError("git is not installed", hint="install git and run again")
    done = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=project,
        input="".join(f"{blob}\n" for blob, _ in entries).encode(),
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise ToolError(f"git cat-file failed: {done.stderr.decode(errors='replace').strip()}")
    found: dict[str, bytes] = {}
    data, offset = done.stdout, 0
    for _blob, path in entries:
        header_end = data.index(b"\n", offset)
        size = int(data[offset:header_end].split()[2])
        found[path] = data[header_end + 1 : header_end + 1 + size]
        offset = header_end + 1 + size + 1  # the content, then a newline
    return found


# ---- pushing to a remote ---------------------------------------------------------------------

# What git (and GitHub) print when a push lost a race: the branch moved on since it was fetched.
_RACE = (
    "non-fast-forward",
    "fetch first",
    "failed to update ref",
    "cannot lock ref",
    "stale info",
    "incorrect old value",
)
# What a server prints when its rules refuse the pusher: no retry can change that.
_REFUSED = ("hook declined", "protected branch", "rule violation", "ruleset", "permission denied")


@dataclass(frozen=True)
class Pushed:
    """A push's outcome: landed, lost a race (fetch, rebase and push again), or refused by the
    server's rules (no retry helps; `detail` is git's own account)."""

    ok: bool
    raced: bool
    detail: str


def push(remote: str, refspecs: Sequence[str], project: Path) -> Pushed:
    """One atomic push of `refspecs` (the branch and its tags land together or not at all):
    a tag never reaches the remote without the commit that records it, nor the reverse."""
    ran = run("push", "--atomic", "--porcelain", remote, *refspecs, project=project)
    if ran.ok:
        return Pushed(True, False, ran.tail())
    text = ran.output.lower()
    refused = any(word in text for word in _REFUSED)
    raced = not refused and any(word in text for word in _RACE)
    return Pushed(False, raced, ran.tail())


def fetch_branch(remote: str, branch: str, project: Path) -> str:
    """The remote's `branch` now (fetched, no tags: ours are not clobbered); its commit."""
    ran = run("fetch", "--no-tags", "--quiet", remote, f"refs/heads/{branch}", project=project)
    if not ran.ok:
        raise ToolError(f"`git fetch {remote} {branch}` failed:\n{ran.tail()}")
    commit = commit_of("FETCH_HEAD", project)
    if commit is None:
        raise ToolError(f"`git fetch {remote} {branch}` fetched no commit")
    return commit


def commits_between(base: str, tip: str, project: Path) -> list[str]:
    """The commits reachable from `tip` and not from `base`, oldest first."""
    ran = run("rev-list", "--reverse", "--topo-order", f"{base}..{tip}", project=project)
    if not ran.ok:
        raise ToolError(f"`git rev-list {base[:12]}..{tip[:12]}` failed:\n{ran.tail()}")
    return ran.output.split()


def changed_paths(base: str, tip: str, project: Path) -> list[str]:
    """The paths that differ between two commits."""
    ran = run("diff", "--name-only", "--no-renames", "-z", base, tip, project=project)
    if not ran.ok:
        raise ToolError(f"`git diff {base[:12]} {tip[:12]}` failed:\n{ran.tail()}")
    return [p for p in ran.output.split("\0") if p]


def remote_tags(remote: str, names: Sequence[str], project: Path) -> set[str]:
    """Which of the tags `names` the remote has (one `git ls-remote`)."""
    if not names:
        return set()
    ran = run("ls-remote", "--tags", remote, *(f"refs/tags/{n}" for n in names), project=project)
    if not ran.ok:
        raise ToolError(f"`git ls-remote {remote}` failed:\n{ran.tail()}")
    found = {line.split("\t", 1)[1] for line in ran.output.splitlines() if "\t" in line}
    return {n for n in names if f"refs/tags/{n}" in found}
