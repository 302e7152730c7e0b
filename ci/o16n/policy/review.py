"""Review facts from git alone: who wrote the change, who approved it, who owns each path.

Approvals are `Approved-by: Name <e-mail>` trailers on the commits of the change (a merge commit
carries them when the change lands). Code owners come from CODEOWNERS as it is on the base
(gitignore-style patterns, the last matching line wins, as on GitHub). Git knows people by
e-mail, CODEOWNERS often by @handle or @org/team: o16n.yaml's `teams` says who is who.
pull_review.py fills the same facts from a GitHub pull request.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from o16n.adapters import git
from o16n.adapters.signing import ALLOWED_SIGNERS, AllowedSigners
from o16n.errors import ToolError
from o16n.policy.document import (
    NotCounted,
    OwnedFile,
    OwnershipFacts,
    ReviewFacts,
    UnapprovedStep,
)

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
TRAILER = "Approved-by"
LEDGER_DIR = "ledger/"
# What decides whether a model ships, when CODEOWNERS names no governance owner (fail closed).
GOVERNED_WITHOUT_OWNERS = (
    "policies/",
    "o16n.yaml",
    "waivers.yaml",
    "health.yaml",
    "kpis.yaml",
    "model_card.yaml",
    "ledger/",
    ".github/",
)
_PERSON = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")
_SEP = "\x1f"


@dataclass(frozen=True)
class CodeOwners:
    rules: tuple[tuple[pathspec.PathSpec[Any], tuple[str, ...]], ...]
    source: str | None  # where they were read, e.g. "main:.github/CODEOWNERS"
    entries: tuple[str, ...] = ()  # "pattern owner owner", as written, comments dropped

    def owners_of(self, path: str) -> tuple[str, ...]:
        owners: tuple[str, ...] = ()
        for spec, names in self.rules:
            if spec.match_file(path):
                owners = names  # the last matching pattern wins
        return owners


def parse_codeowners(text: str, source: str | None = None) -> CodeOwners:
    rules, entries = [], []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("\\#") else raw.strip()
        if not line:
            continue
        pattern, *owners = line.split()
        spec = pathspec.PathSpec.from_lines("gitignore", [pattern])
        rules.append((spec, tuple(owners)))
        entries.append(" ".join([pattern, *owners]))
    return CodeOwners(tuple(rules), source, tuple(entries))


def codeowners_at(project: Path, revision: str | None) -> CodeOwners:
    for place in CODEOWNERS_PLACES:
        if revision is None:
            path = project / place
            if path.is_file():
                return parse_codeowners(path.read_text(encoding="utf-8"), place)
            continue
        shown = git.run("show", f"{revision}:{place}", project=project)
        if shown.ok:
            return parse_codeowners(shown.output, f"{revision}:{place}")
    return CodeOwners((), None)


def email_of(person: str) -> str:
    """'Ann Lee <Ann@Example.com>' -> 'ann@example.com'; a bare e-mail or handle, lowercased."""
    match = _PERSON.match(person)
    return (match.group("email") if match else person.strip()).lower()


def members(owner: str, teams: Mapping[str, Sequence[str]]) -> set[str]:
    """The e-mails an owner stands for: itself when an e-mail, else its `teams` entry."""
    if "@" in owner and not owner.startswith("@"):
        return {owner.lower()}
    return {email_of(member) for member in teams.get(owner, ())}


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str  # "Name <email>"
    approvers: tuple[str, ...]  # from trailers, "Name <email>" as written
    merge: bool
    empty: bool  # the same tree as its first parent: it changes nothing
    signature: str  # git's %G?: G good, U good but not listed, B bad, N none, E cannot check
    signer: str  # the principal allowed_signers lists for the key (%GS), when G
    key: str  # the key's fingerprint (%GF)

    clean: bool = False  # a merge whose tree is what git merges its parents to: no own content

    @property
    def approval_only(self) -> bool:
        """Brings no content of its own: `o16n approve`'s empty commit, a merge carrying
        trailers, or a clean merge (whoever merges is not an author of what is merged)."""
        return (bool(self.approvers) and (self.empty or self.merge)) or self.clean


def commits(
    project: Path, base: str | None, head: str = "HEAD", signers: AllowedSigners | None = None
) -> list[Commit]:
    """The commits of the change, oldest first: base..head (only head when there is no base),
    their signatures checked against `signers` (none listed: no signature is good)."""
    span = [f"{base}..{head}"] if base else ["-1", head]
    fields = ["%H", "%an <%ae>", "%P", "%T", "%G?", "%GS", "%GF"]
    fmt = _SEP.join([*fields, f"%(trailers:key={TRAILER},valueonly,separator=;)"])
    with tempfile.NamedTemporaryFile("w", suffix=".allowed_signers", encoding="utf-8") as trust:
        trust.write(signers.text if signers else "")
        trust.flush()
        ran = git.run(
            "-c",
            f"gpg.ssh.allowedSignersFile={trust.name}",
            "log",
            "--reverse",
            f"--format={fmt}%x1e",
            *span,
            project=project,
        )
    if not ran.ok:
        return []
    rows = [e.strip("\n").split(_SEP) for e in ran.output.split("\x1e")]
    rows = [r for r in rows if len(r) == len(fields) + 1]
    trees = {r[0]: r[3] for r in rows}
    outside = sorted({r[2].split()[0] for r in rows if r[2]} - set(trees))
    if outside:  # the base's trees, for the first commits' "changes nothing"
        shown = git.run("rev-parse", *(f"{p}^{{tree}}" for p in outside), project=project)
        trees.update(zip(outside, shown.output.split(), strict=False))
    found = []
    for sha, author, parents, tree, status, signer, key, trailers in rows:
        first = parents.split()[0] if parents else None
        merge = len(parents.split()) > 1
        found.append(
            Commit(
                sha,
                author,
                tuple(a.strip() for a in trailers.split(";") if a.strip()),
                merge=merge,
                empty=first is not None and trees.get(first) == tree,
                signature=status,
                signer=signer,
                key=key,
                clean=merge and _merged_tree(project, parents.split()) == tree,
            )
        )
    return found


def _merged_tree(project: Path, parents: Sequence[str]) -> str | None:
    """The tree git makes of merging `parents` (two), or None when it has conflicts."""
    if len(parents) != 2:
        return None
    ran = git.run("merge-tree", "--write-tree", "--no-messages", *parents, project=project)
    return ran.output.split()[0] if ran.ok and ran.output.strip() else None


@dataclass(frozen=True)
class Counted:
    """The approvals of a change: who counts, and each one that does not, with the reason."""

    approvers: tuple[str, ...]  # e-mails, sorted
    not_counted: tuple[NotCounted, ...]
    authors: tuple[str, ...]  # e-mails of everyone who authored or signed its commits


def authors_of(change: Sequence[Commit]) -> set[str]:
    """Separation of duties: every identity that authored or signed a commit of the change
    (approvals alone excepted)."""
    people: set[str] = set()
    for commit in change:
        if commit.approval_only:
            continue
        people.add(email_of(commit.author))
        if commit.signature == "G" and commit.signer:
            people.add(commit.signer.lower())
    return people


def count_approvals(
    project: Path, base: str | None, change: Sequence[Commit], signers: AllowedSigners | None
) -> Counted:
    """An `Approved-by:` trailer counts when its commit is SSH-signed by a key `signers` lists
    for that same person, the person is not an author, and the approval covers every commit of
    the change (none came after it)."""
    authors = authors_of(change)
    content = [c.sha for c in change if not c.approval_only]
    approvers: dict[str, str] = {}
    refused: list[NotCounted] = []
    for commit in change:
        covered: set[str] | None = None
        for person in commit.approvers:
            who = email_of(person)
            reason = _refusal(commit, who, authors, signers)
            if reason is None:
                if covered is None:
                    covered = _reachable(project, commit.sha, base, content)
                later = [sha for sha in content if sha not in covered]
                if later:
                    reason = (
                        f"stale: {len(later)} commit(s) came after it ({later[0][:7]}...);"
                        " approve again"
                    )
            if reason is None:
                approvers[who] = person
            else:
                refused.append({"who": who, "commit": commit.sha, "reason": reason})
    counted = set(approvers)
    refused = [r for r in refused if r["who"] not in counted or "self-approval" in r["reason"]]
    return Counted(tuple(sorted(counted)), tuple(refused), tuple(sorted(authors)))


def _refusal(
    commit: Commit, who: str, authors: set[str], signers: AllowedSigners | None
) -> str | None:
    if who in authors:
        return "self-approval: this person authored or signed commits of the change"
    if signers is None:
        return f"no {ALLOWED_SIGNERS} on the base: no approval can be authenticated"
    if commit.signature == "N":
        return "unsigned: anyone can write a trailer; approve with `o16n approve` (a signed commit)"
    if commit.signature == "B":
        return "bad signature: the commit was changed after it was signed"
    if commit.signature in ("U", "E") or (commit.signature == "G" and not commit.signer):
        key = f" {commit.key}" if commit.key else ""
        return f"signed by a key{key} that {signers.source} does not list"
    if commit.signature != "G":
        return f"the signature does not check (git says {commit.signature})"
    if commit.signer.lower() != who:
        return f"signed by {commit.signer}'s key, not by {who}'s"
    return None


def _reachable(project: Path, sha: str, base: str | None, candidates: Sequence[str]) -> set[str]:
    """Which of `candidates` (commits of base..) are `sha` or its ancestors."""
    if not candidates:
        return set()
    ran = git.run("rev-list", sha, *([f"^{base}"] if base else ["-1"]), project=project)
    ancestors = set(ran.output.split()) if ran.ok else set()
    return {c for c in candidates if c in ancestors}


def review_facts(
    project: Path,
    base: str | None,
    changed: Sequence[str],
    teams: Mapping[str, Sequence[str]],
    owners: CodeOwners,
    signers: AllowedSigners | None = None,
    head: str = "HEAD",
) -> ReviewFacts:
    change = commits(project, base, head, signers)
    authored = [c for c in change if not c.approval_only] or change
    author = authored[0].author if authored else ""
    author_email = email_of(author) if author else ""
    counted = count_approvals(project, base, change, signers)
    return {
        "provider": "git",
        "author": author_email,
        "authors": list(counted.authors),
        "approvers": list(counted.approvers),
        "approvals": len(counted.approvers),
        "self_approved": any("self-approval" in r["reason"] for r in counted.not_counted),
        "not_counted": list(counted.not_counted),
        "trust": signers.source if signers else "",
        "unapproved_history": [],
        **ownership(changed, owners, set(counted.approvers), lambda o: members(o, teams)),
    }


def ownership(
    changed: Sequence[str],
    owners: CodeOwners,
    approvers: set[str],
    members_of: Callable[[str], set[str]],
) -> OwnershipFacts:
    """Per changed path its owners and whether one of them approved; the same for governance
    (the owners of policies/), and which changed paths governance owns. `members_of` says who
    an owner stands for, in the provider's identities (e-mails for git, @logins for GitHub)."""
    files: list[OwnedFile] = []
    for path in changed:
        path_owners = owners.owners_of(path)
        allowed: set[str] = set().union(*(members_of(o) for o in path_owners))
        files.append(
            {"path": path, "owners": list(path_owners), "approved": bool(allowed & approvers)}
        )
    governance = owners.owners_of("policies/")
    governance_members: set[str] = set().union(*(members_of(o) for o in governance))
    governed = [f["path"] for f in files if set(f["owners"]) & set(governance) and governance]
    return {
        "codeowners": owners.source or "",
        "files": files,
        "unapproved_files": [f["path"] for f in files if f["owners"] and not f["approved"]],
        "governance": list(governance),
        "governance_members": sorted(governance_members),
        "governance_approved": bool(governance_members & approvers),
        "governed_files": governed,
    }


def unapproved_history(
    project: Path,
    since: str | None,
    until: str,
    owners: CodeOwners,
    signers: AllowedSigners | None,
    teams: Mapping[str, Sequence[str]],
) -> list[UnapprovedStep]:
    """The steps of main's first-parent history after `since` (the previous version's commit)
    and before `until` (the version judged, whose own change the review facts describe) that
    changed what governance owns without a governance approval inside them. A fast-forward of
    [governed change, empty commit] is caught here: each commit is a step of its own."""
    if since is None:
        return []
    listed = git.run("rev-list", "--first-parent", f"{since}..{until}", project=project)
    steps = listed.output.split()[1:] if listed.ok else []  # newest first; `until` is judged
    found: list[UnapprovedStep] = []
    for step in steps:
        diff = git.run("diff", "--name-only", f"{step}^1", step, project=project)
        if not diff.ok:  # an unreadable step is not an approved one
            raise ToolError(f"git could not diff {step[:12]} with its parent: {diff.tail(3)}")
        # o16n's own deploy and rollback commits append to the ledger: its records are signed
        # and `o16n ledger verify` holds them append-only, so they need no approval here
        files = [p for p in diff.output.split("\n") if p and not p.startswith(LEDGER_DIR)]
        change = commits(project, f"{step}^1", step, signers)
        counted = count_approvals(project, f"{step}^1", change, signers)
        owned = ownership(files, owners, set(counted.approvers), lambda o: members(o, teams))
        if owned["governed_files"] and not owned["governance_approved"]:
            found.append({"commit": step, "files": owned["governed_files"]})
    return found
