"""Review facts from git: authors, `Approved-by:` trailers, CODEOWNERS (last match wins)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from o16n.adapters.signing import AllowedSigners, parse_allowed_signers
from o16n.policy import review
from tests.signing import allowed_signers, make_key

CODEOWNERS = """\
# default owner, then more specific paths (the last match wins)
*                       @acme
/src/                   @acme/ml
/policies/              gov@example.com @acme/governance
/policies/experimental/ @acme/ml
docs/**/*.md            writer@example.com
"""
TEAMS = {"@acme/governance": ["Gale <gale@example.com>"], "@acme/ml": ["mia@example.com"]}


def git(repo: Path, *args: str, who: str = "Dev <dev@example.com>") -> str:
    name, email = who[:-1].split(" <")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }
    done = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def write(repo: Path, path: str, text: str = "x\n") -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, ".github/CODEOWNERS", CODEOWNERS)
    write(tmp_path, "README.md")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "start", who="Ops <ops@example.com>")
    git(tmp_path, "checkout", "-q", "-b", "change")
    for path in ("policies/baseline/pack.yaml", "policies/experimental/x.yaml", "src/m.py"):
        write(tmp_path, path)
    write(tmp_path, "docs/guide/a.md")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "Change policies and code")
    return tmp_path


def facts_of(repo: Path, base: str) -> dict[str, object]:
    changed = sorted(p for p in git(repo, "diff", "--name-only", f"{base}...HEAD").split("\n") if p)
    owners = review.codeowners_at(repo, "main")
    return review.review_facts(repo, base, changed, TEAMS, owners)


def test_last_matching_pattern_wins() -> None:
    owners = review.parse_codeowners(CODEOWNERS)
    assert owners.owners_of("README.md") == ("@acme",)
    assert owners.owners_of("src/pkg/train.py") == ("@acme/ml",)
    governance = ("gov@example.com", "@acme/governance")
    assert owners.owners_of("policies/baseline/pack.yaml") == governance
    assert owners.owners_of("policies/experimental/x.yaml") == ("@acme/ml",)
    assert owners.owners_of("docs/guide/a.md") == ("writer@example.com",)
    assert owners.owners_of("docs/guide/a.txt") == ("@acme",)


def test_unapproved_change(repo: Path) -> None:
    facts = facts_of(repo, "main")
    assert facts["author"] == "dev@example.com"
    assert facts["approvers"] == [] and facts["approvals"] == 0
    assert facts["governance"] == ["gov@example.com", "@acme/governance"]
    assert facts["governance_members"] == ["gale@example.com", "gov@example.com"]
    assert facts["governance_approved"] is False
    assert facts["codeowners"] == "main:.github/CODEOWNERS"
    assert facts["unapproved_files"] == [
        "docs/guide/a.md",
        "policies/baseline/pack.yaml",
        "policies/experimental/x.yaml",
        "src/m.py",
    ]


def signed_commit(repo: Path, key: Path, message: str, who: str, *args: str) -> None:
    git(
        repo,
        "-c",
        "gpg.format=ssh",
        "-c",
        f"user.signingkey={key}",
        "commit",
        "-q",
        "-S",
        "-m",
        message,
        *args,
        who=who,
    )


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, Path]:
    return {name: make_key(tmp_path / "keys", name) for name in ("gale", "dev", "mallory")}


def trusting(keys: dict[str, Path], *entries: tuple[str, str]) -> AllowedSigners:
    text = allowed_signers((email, keys[name], None) for email, name in entries)
    return parse_allowed_signers(text, "main:policies/allowed_signers")


def signed_facts(repo: Path, base: str, signers: AllowedSigners) -> dict[str, object]:
    changed = sorted(p for p in git(repo, "diff", "--name-only", f"{base}...HEAD").split("\n") if p)
    owners = review.codeowners_at(repo, "main")
    return review.review_facts(repo, base, changed, TEAMS, owners, signers)


def test_a_signed_merge_approval_counts_and_a_self_approval_does_not(
    repo: Path, keys: dict[str, Path]
) -> None:
    git(repo, "checkout", "-q", "main")
    message = (
        "Merge change\n\nApproved-by: Gale <Gale@Example.com>\nApproved-by: Dev <dev@example.com>\n"
    )
    git(repo, "merge", "-q", "--no-ff", "--no-commit", "change", who="Gale <gale@example.com>")
    signed_commit(repo, keys["gale"], message, "Gale <gale@example.com>")
    signers = trusting(keys, ("gale@example.com", "gale"), ("dev@example.com", "dev"))
    facts = signed_facts(repo, "HEAD^1", signers)
    assert facts["author"] == "dev@example.com"  # the change's author, not who merged it
    assert facts["authors"] == ["dev@example.com"]
    assert facts["approvers"] == ["gale@example.com"]
    assert facts["approvals"] == 1
    assert facts["self_approved"] is True
    assert facts["governance_approved"] is True  # through the team in o16n.yaml's `teams`
    approved = {f["path"]: f["approved"] for f in facts["files"]}  # type: ignore[attr-defined]
    assert approved == {
        "docs/guide/a.md": False,
        "policies/baseline/pack.yaml": True,
        "policies/experimental/x.yaml": False,  # owned by @acme/ml, which did not approve
        "src/m.py": False,
    }
    assert facts["governed_files"] == ["policies/baseline/pack.yaml"]


@pytest.mark.parametrize(
    ("how", "reason"),
    [
        ("unsigned", "unsigned"),
        ("unlisted key", "does not list"),
        ("another person's key", "signed by dev@example.com's key, not by gale@example.com's"),
        ("stale", "stale: 1 commit(s) came after it"),
    ],
)
def test_approvals_that_are_not_authenticated_or_current_do_not_count(
    repo: Path, keys: dict[str, Path], how: str, reason: str
) -> None:
    trailer = "LGTM\n\nApproved-by: Gale <gale@example.com>"
    gale = "Gale <gale@example.com>"
    if how == "unsigned":
        git(repo, "commit", "-q", "--allow-empty", "-m", trailer, who=gale)
    elif how == "unlisted key":
        signed_commit(repo, keys["mallory"], trailer, gale, "--allow-empty")
    elif how == "another person's key":
        signed_commit(repo, keys["dev"], trailer, gale, "--allow-empty")
    else:
        signed_commit(repo, keys["gale"], trailer, gale, "--allow-empty")
        write(repo, "policies/baseline/pack.yaml", "changed after the approval\n")
        git(repo, "commit", "-qam", "sneak")
    signers = trusting(keys, ("gale@example.com", "gale"), ("dev@example.com", "dev"))
    facts = signed_facts(repo, "main", signers)
    assert facts["approvers"] == [] and facts["governance_approved"] is False
    (refused,) = facts["not_counted"]  # type: ignore[misc]
    assert refused["who"] == "gale@example.com" and reason in refused["reason"]


def test_the_signer_of_a_commit_is_one_of_its_authors(repo: Path, keys: dict[str, Path]) -> None:
    write(repo, "src/m.py", "gale co-wrote this\n")
    git(repo, "add", "-A")
    signed_commit(repo, keys["gale"], "Tweak", "Dev <dev@example.com>")
    signed_commit(
        repo,
        keys["gale"],
        "ok\n\nApproved-by: Gale <gale@example.com>",
        "Gale <gale@example.com>",
        "--allow-empty",
    )
    facts = signed_facts(repo, "main", trusting(keys, ("gale@example.com", "gale")))
    assert facts["authors"] == ["dev@example.com", "gale@example.com"]
    assert facts["approvers"] == [] and facts["self_approved"] is True


def test_no_allowed_signers_means_no_approval_counts(repo: Path, keys: dict[str, Path]) -> None:
    signed_commit(
        repo,
        keys["gale"],
        "ok\n\nApproved-by: G <gov@example.com>",
        "G <gov@example.com>",
        "--allow-empty",
    )
    owners = review.codeowners_at(repo, "main")
    facts = review.review_facts(repo, "main", ["policies/baseline/pack.yaml"], {}, owners)
    assert facts["governance_approved"] is False
    assert "no policies/allowed_signers" in facts["not_counted"][0]["reason"]


def test_no_codeowners_means_no_owners(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q", "-b", "main")
    write(tmp_path, "a.txt")
    git(tmp_path, "add", "-A")
    git(tmp_path, "commit", "-q", "-m", "a")
    owners = review.codeowners_at(tmp_path, "main")
    assert owners.source is None and owners.owners_of("a.txt") == ()
    facts = review.review_facts(tmp_path, None, ["a.txt"], {}, owners)
    assert facts["files"] == [{"path": "a.txt", "owners": [], "approved": False}]
    assert facts["unapproved_files"] == []
    assert facts["governance_approved"] is False
