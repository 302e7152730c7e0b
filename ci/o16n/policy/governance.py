"""The governance in force: what judges a change, read where its author cannot have edited it.

At stage `pr` the policy pack, the pack choice and `policy_vars` (o16n.yaml), the teams, the
waivers, CODEOWNERS and the keys that authenticate approvals (policies/allowed_signers) are
read as committed on the merge base with the base branch, in one `git ls-tree` and one
`git cat-file`. The checkout's own versions are the *proposed* governance: shown beside the one
in force, in force once merged. At stage `deploy` the commit is on main, so the checkout's files
are the ones in force.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

from o16n.adapters import git, signing
from o16n.config.project import PROJECT_FILE, ProjectConfig, load_project
from o16n.config.waivers import FILE as WAIVERS_FILE
from o16n.config.waivers import WaiverSpec
from o16n.errors import ConfigError
from o16n.policy import review, waivers
from o16n.policy.pack import Pack, for_project

FILES = ("policies", PROJECT_FILE, WAIVERS_FILE, *review.CODEOWNERS_PLACES)


@dataclass(frozen=True)
class Governance:
    """The rules of one revision (or of the checkout) and who may vouch for a change."""

    where: str  # "1a2b3c4" (a commit), or "checkout"
    commit: str | None
    config: ProjectConfig
    pack: Pack
    waivers: tuple[waivers.Waiver, ...]
    owners: review.CodeOwners
    signers: signing.AllowedSigners | None

    def waivers_specs(self) -> tuple[WaiverSpec, ...]:
        return tuple(w.spec for w in self.waivers)


def of_checkout(project: Path) -> Governance:
    """The governance files as they are in the working tree."""
    config = load_project(project)
    pack = for_project(project, config)
    return Governance(
        "checkout",
        None,
        config,
        pack,
        tuple(waivers.load(project, [r.id for r in pack.rules])),
        review.codeowners_at(project, None),
        signing.allowed_signers_at(project, None),
    )


def at_commit(project: Path, commit: str) -> Governance:
    """The governance files as committed at `commit`, each error naming `commit:path`."""
    label = commit[:7]
    files = git.files_at(commit, FILES, project)
    with _materialized(files) as folder, _relabelled(folder, label):
        config = (
            load_project(folder)
            if PROJECT_FILE in files
            else ProjectConfig(model=load_project(project).model)
        )
        pack = _relabel_pack(for_project(folder, config), folder, label)
        loaded = tuple(waivers.load(folder, [r.id for r in pack.rules]))
    owners = review.CodeOwners((), None)
    for place in review.CODEOWNERS_PLACES:
        if place in files:
            owners = review.parse_codeowners(_text(files[place], label, place), f"{label}:{place}")
            break
    trust = files.get(signing.ALLOWED_SIGNERS)
    signers = (
        signing.parse_allowed_signers(
            _text(trust, label, signing.ALLOWED_SIGNERS), f"{label}:{signing.ALLOWED_SIGNERS}"
        )
        if trust is not None
        else None
    )
    return Governance(label, commit, config, pack, loaded, owners, signers)


def resolve_base(project: Path, base: str | None) -> str | None:
    """The commit `--base` names (None for no base), or a ConfigError saying how to get it."""
    if not base:
        return None
    commit = git.commit_of(base, project)
    if commit is None:
        raise ConfigError(
            f"base revision {base!r} not found",
            hint="fetch it (actions/checkout with fetch-depth: 0) or pass --base REV",
        )
    return commit


def merge_base(project: Path, base_commit: str) -> str:
    """Where the change left the base branch: the rules it is judged by are from there."""
    ran = git.run("merge-base", base_commit, "HEAD", project=project)
    found = ran.output.strip()
    if not ran.ok or not found:
        raise ConfigError(
            f"this branch shares no history with the base ({base_commit[:7]})",
            hint="fetch the whole history (actions/checkout with fetch-depth: 0) or pass --base",
        )
    return found


def _text(data: bytes, label: str, path: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError("not UTF-8 text", file=f"{label}:{path}") from None


@contextmanager
def _materialized(files: dict[str, bytes]) -> Iterator[Path]:
    """The files in a temporary folder, for the loaders that read a project folder."""
    with tempfile.TemporaryDirectory(prefix="o16n-governance-") as tmp:
        folder = Path(tmp)
        for path, data in files.items():
            target = folder / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        yield folder


@contextmanager
def _relabelled(folder: Path, label: str) -> Iterator[None]:
    """A ConfigError about a materialized file names it as `label:path`, as git would."""
    try:
        yield
    except ConfigError as exc:
        prefix = f"{folder}/"
        raise ConfigError(
            exc.message.replace(prefix, f"{label}:"),
            hint=exc.hint.replace(prefix, f"{label}:") if exc.hint else None,
        ) from None


def _relabel_pack(pack: Pack, folder: Path, label: str) -> Pack:
    def named(path: Path) -> Path:
        return Path(f"{label}:{path.relative_to(folder).as_posix()}")

    rules = tuple(replace(rule, file=named(rule.file)) for rule in pack.rules)
    return replace(pack, folder=named(pack.folder), rules=rules)
