"""`o16n approve`: an approval git can authenticate, for projects without GitHub reviews.

An approval is an empty commit on the branch, signed with the approver's SSH key (git's
`gpg.format ssh`), carrying `Approved-by: Name <e-mail>` for the approver's own identity. The
gate counts it when policies/allowed_signers on the base lists that key for that e-mail, the
approver wrote and signed no commit of the change, and no commit came after the approval.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from o16n.adapters import git, signing
from o16n.errors import ToolError, UsageError
from o16n.policy import review

SETUP = (
    "set up SSH commit signing once: `git config gpg.format ssh` and "
    "`git config user.signingkey ~/.ssh/id_ed25519.pub` (your key; list its public line "
    f"for your e-mail in {signing.ALLOWED_SIGNERS} through governance)"
)


@dataclass(frozen=True)
class Approval:
    commit: str
    person: str  # "Name <e-mail>"
    counted: bool  # as the gate would judge it against the base's allowed_signers
    reason: str  # why it would not count, when it would not


def approve(project: Path, message: str | None, base: str = "main") -> Approval:
    """Make the signed approval commit on the current branch, then judge it as the gate will."""
    name = _config(project, "user.name")
    email = _config(project, "user.email")
    if not name or not email:
        raise UsageError(
            "git knows no identity to approve as",
            hint="`git config user.name 'Your Name'` and `git config user.email you@example.com`",
        )
    if _config(project, "gpg.format") != "ssh" or not _config(project, "user.signingkey"):
        raise UsageError("git is not set up to sign commits with SSH", hint=SETUP)
    person = f"{name} <{email}>"
    head = git.head(project)
    text = message or f"Approve {head[:12]}"
    made = git.run(
        "commit",
        "--quiet",
        "--allow-empty",
        "--gpg-sign",
        "-m",
        text,
        "--trailer",
        f"{review.TRAILER}: {person}",
        project=project,
    )
    if not made.ok:
        raise ToolError(f"git could not make the signed approval: {made.tail(5)}", hint=SETUP)
    commit = git.head(project)
    return Approval(commit, person, *_judged(project, commit, email, base))


def _judged(project: Path, commit: str, email: str, base: str) -> tuple[bool, str]:
    base_commit = git.commit_of(base, project)
    if base_commit is None:
        return False, f"there is no {base} to read {signing.ALLOWED_SIGNERS} from"
    merge_base = git.run("merge-base", base_commit, commit, project=project).output.strip()
    signers = signing.allowed_signers_at(project, merge_base or base_commit)
    change = review.commits(project, merge_base or base_commit, commit, signers)
    counted = review.count_approvals(project, merge_base or base_commit, change, signers)
    if email.lower() in counted.approvers:
        return True, ""
    reasons = [r["reason"] for r in counted.not_counted if r["commit"] == commit]
    return False, reasons[0] if reasons else "it does not count"


def _config(project: Path, key: str) -> str:
    return git.run("config", key, project=project).output.strip()
