"""SSH keys for tests: real ed25519 keys made with ssh-keygen, listed in a project's
policies/allowed_signers, and git set up to sign commits with them (`gpg.format ssh`)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterable
from pathlib import Path

ALLOWED_SIGNERS = Path("policies") / "allowed_signers"


def make_key(directory: Path, name: str) -> Path:
    """A new passphrase-less ed25519 key `directory/name` (and `name.pub`)."""
    directory.mkdir(parents=True, exist_ok=True)
    key = directory / name
    if not key.exists():
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)],
            check=True,
        )
    return key


def public_line(key: Path) -> str:
    """`ssh-ed25519 AAAA...` of a key made by make_key."""
    return " ".join(Path(f"{key}.pub").read_text().split()[:2])


def allowed_signers(entries: Iterable[tuple[str, Path, str | None]]) -> str:
    """allowed_signers text: (principal, key, namespaces or None for all) per line."""
    lines = []
    for principal, key, namespaces in entries:
        options = f' namespaces="{namespaces}"' if namespaces else ""
        lines.append(f"{principal}{options} {public_line(key)}")
    return "\n".join(lines) + "\n"


def write_allowed_signers(
    project: Path, entries: Iterable[tuple[str, Path, str | None]], *, commit: str | None = None
) -> Path:
    """Write the project's policies/allowed_signers; commit it with message `commit` if given."""
    path = project / ALLOWED_SIGNERS
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(allowed_signers(entries))
    if commit is not None:
        subprocess.run(["git", "add", str(ALLOWED_SIGNERS)], cwd=project, check=True)
        subprocess.run(["git", "commit", "-q", "-m", commit], cwd=project, check=True)
    return path


def sign_commits_with(repo: Path, key: Path) -> None:
    """This repository's commits are SSH-signed with `key` from now on."""
    for name, value in (
        ("gpg.format", "ssh"),
        ("user.signingkey", str(key)),
        ("commit.gpgsign", "true"),
    ):
        subprocess.run(["git", "config", name, value], cwd=repo, check=True)
