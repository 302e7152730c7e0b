"""Review facts from git: authors, `Approved-by:` trailers, CODEOWNERS (last match wins)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from o16n.policy import review

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


def test_approvals_from_merge_trailers_self_approval_not_counted(repo: Path) -> None:
    git(repo, "checkout", "-q", "main")
    message = (
        "Merge change\n\nApproved-by: Gale <Gale@Example.com>\nApproved-by: Dev <dev@example.com>\n"
    )
    git(repo, "merge", "-q", "--no-ff", "change", "-m", message, who="Ops <ops@example.com>")
    facts = facts_of(repo, "HEAD^1")
    assert facts["author"] == "dev@example.com"  # the change's author, not who merged it
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


def test_owner_written_as_email_needs_no_team_entry(repo: Path) -> None:
    git(repo, "commit", "-q", "--allow-empty", "-m", "LGTM\n\nApproved-by: G <gov@example.com>")
    facts = review.review_facts(
        repo, "main", ["policies/baseline/pack.yaml"], {}, review.codeowners_at(repo, "main")
    )
    assert facts["governance_approved"] is True
    assert facts["governance_members"] == ["gov@example.com"]


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
