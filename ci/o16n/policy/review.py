"""Review facts from git alone: who wrote the change, who approved it, who owns each path.

Approvals are `Approved-by: Name <e-mail>` trailers on the commits of the change (a merge commit
carries them when the change lands). Code owners come from CODEOWNERS as it is on the base
(gitignore-style patterns, the last matching line wins, as on GitHub). Git knows people by
e-mail, CODEOWNERS often by @handle or @org/team: o16n.yaml's `teams` says who is who.
pull_review.py fills the same facts from a GitHub pull request.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from o16n.adapters import git
from o16n.policy.document import OwnedFile, OwnershipFacts, ReviewFacts

CODEOWNERS_PLACES = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
TRAILER = "Approved-by"
_PERSON = re.compile(r"^\s*(?P<name>.*?)\s*<(?P<email>[^<>\s]+@[^<>\s]+)>\s*$")
_SEP = "\x1f"


@dataclass(frozen=True)
class CodeOwners:
    rules: tuple[tuple[pathspec.PathSpec[Any], tuple[str, ...]], ...]
    source: str | None  # where they were read, e.g. "main:.github/CODEOWNERS"

    def owners_of(self, path: str) -> tuple[str, ...]:
        owners: tuple[str, ...] = ()
        for spec, names in self.rules:
            if spec.match_file(path):
                owners = names  # the last matching pattern wins
        return owners


def parse_codeowners(text: str, source: str | None = None) -> CodeOwners:
    rules = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("\\#") else raw.strip()
        if not line:
            continue
        pattern, *owners = line.split()
        spec = pathspec.PathSpec.from_lines("gitignore", [pattern])
        rules.append((spec, tuple(owners)))
    return CodeOwners(tuple(rules), source)


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


def commits(project: Path, base: str | None, head: str = "HEAD") -> list[Commit]:
    """The commits of the change, oldest first: base..head (only head when there is no base)."""
    span = [f"{base}..{head}"] if base else ["-1", head]
    fmt = _SEP.join(["%H", "%an <%ae>", "%P", f"%(trailers:key={TRAILER},valueonly,separator=;)"])
    ran = git.run("log", "--reverse", f"--format={fmt}%x1e", *span, project=project)
    if not ran.ok:
        return []
    found = []
    for entry in ran.output.split("\x1e"):
        fields = entry.strip("\n").split(_SEP)
        if len(fields) != 4:
            continue
        sha, author, parents, trailers = fields
        approvers = tuple(a.strip() for a in trailers.split(";") if a.strip())
        found.append(Commit(sha, author, approvers, merge=len(parents.split()) > 1))
    return found


def review_facts(
    project: Path,
    base: str | None,
    changed: Sequence[str],
    teams: Mapping[str, Sequence[str]],
    owners: CodeOwners,
) -> ReviewFacts:
    change = commits(project, base)
    authored = [c for c in change if not c.merge] or change
    author = authored[0].author if authored else ""
    author_email = email_of(author) if author else ""
    approvers: dict[str, str] = {}
    for commit in change:
        for person in commit.approvers:
            approvers.setdefault(email_of(person), person)
    independent = sorted(e for e in approvers if e != author_email)
    return {
        "provider": "git",
        "author": author_email,
        "authors": sorted({email_of(c.author) for c in authored}),
        "approvers": independent,
        "approvals": len(independent),
        "self_approved": author_email in approvers,
        **ownership(changed, owners, set(independent), lambda o: members(o, teams)),
    }


def ownership(
    changed: Sequence[str],
    owners: CodeOwners,
    approvers: set[str],
    members_of: Callable[[str], set[str]],
) -> OwnershipFacts:
    """Per changed path its owners and whether one of them approved; the same for governance
    (the owners of policies/). `members_of` says who an owner stands for, in the provider's
    identities (e-mails for git, @logins for GitHub)."""
    files: list[OwnedFile] = []
    for path in changed:
        path_owners = owners.owners_of(path)
        allowed: set[str] = set().union(*(members_of(o) for o in path_owners))
        files.append(
            {"path": path, "owners": list(path_owners), "approved": bool(allowed & approvers)}
        )
    governance = owners.owners_of("policies/")
    governance_members: set[str] = set().union(*(members_of(o) for o in governance))
    return {
        "codeowners": owners.source or "",
        "files": files,
        "unapproved_files": [f["path"] for f in files if f["owners"] and not f["approved"]],
        "governance": list(governance),
        "governance_members": sorted(governance_members),
        "governance_approved": bool(governance_members & approvers),
    }
