"""Desired state in git: `deploy/<env>/desired.yaml` says which model version should run in an
environment; the runtime reconciles to it. Deploying writes it (after the environment's deploy
gate passes), records the decision in the ledger, commits both and assigns the GTO stage tag;
a rollback writes the previous desired state back, as a new commit, also recorded.

Writes are atomic (temp file, rename) and serialized by a lock in .git, so two deploys at once
run one after the other and a killed deploy leaves the last committed state in place. The
file's format, and reading it, is o16n.serving.desired's: what serves reads it too.
"""

from __future__ import annotations

import contextlib
import fcntl
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from o16n import __version__
from o16n.adapters import git, gto
from o16n.adapters.dvc import lineage
from o16n.adapters.files import write_text_atomic
from o16n.config.project import ServingConfig
from o16n.errors import ConfigError, ToolError
from o16n.serving.desired import DEPLOY_DIR, DESIRED, Desired, artifact_md5


@contextlib.contextmanager
def serialized(project: Path, say: Callable[[str], None]) -> Iterator[None]:
    """One deploy or rollback at a time in this repository (the lock lives in .git). Holding
    it, first put back what an interrupted one left uncommitted, and `say` so."""
    lock = project / ".git" / "o16n-deploy.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            for rel in recover(project):
                say(f"an interrupted deploy left {rel} uncommitted: put back")
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def recover(project: Path) -> list[str]:
    """Undo what an interrupted deploy or rollback wrote but did not commit (desired state,
    ledger): the committed state is the truth. Returns the paths put back."""
    from o16n.lifecycle import ledger

    paths = [DEPLOY_DIR, str(ledger.LEDGER)]
    changed = git.run("status", "--porcelain", "-uall", "--", *paths, project=project)
    restored = sorted({line[3:] for line in changed.output.splitlines() if line.strip()})
    for rel in restored:
        known = git.run("cat-file", "-e", f"HEAD:{rel}", project=project).ok
        if known:
            git.run("checkout", "HEAD", "--", rel, project=project)
        else:
            (project / rel).unlink(missing_ok=True)
    return restored


def desired_for(project: Path, model: str, version: gto.Version, target: str = "local") -> Desired:
    at = lineage.at_revision(project, version.commit)
    if at is None or not at.model:
        raise ConfigError(
            f"{model}@{version.name} has no model outputs in dvc.lock at {version.commit[:12]}"
        )
    return Desired(model, version.name, version.commit, at.model, target)


def commit_state(project: Path, message: str, paths: list[str]) -> str:
    git.run("add", "--", *paths, project=project)
    done = git.run("commit", "--quiet", "-m", message, "--", *paths, project=project)
    if not done.ok:
        raise ToolError(f"`git commit` of the desired state failed:\n{done.tail()}")
    return git.run("rev-parse", "HEAD", project=project).output.strip()


def write(project: Path, env: str, desired: Desired, serving: ServingConfig) -> list[str]:
    """Write the environment's desired state (and, for the kserve target, the manifests Argo CD
    syncs); returns the paths written, relative to the project. Everything is rendered before
    the first file is written; the commit that follows makes them one change."""
    files = {DESIRED: desired.as_yaml()}
    if desired.target == "kserve":
        from o16n.serving import kserve

        md5 = artifact_md5(desired, env, serving.model_file, "serving.model_file")
        files |= kserve.manifests(
            model=desired.model,
            version=desired.version,
            env=env,
            commit=desired.commit,
            model_md5=md5,
            settings=serving.kserve,
        )
    folder = project / DEPLOY_DIR / env
    for name, text in files.items():
        write_text_atomic(folder / name, text)
    return [f"{DEPLOY_DIR}/{env}/{name}" for name in files]


def rollback_record(
    project: Path, env: str, desired: Desired, previous: Desired, actor: str
) -> dict[str, Any]:
    from o16n.policy.gate import timestamp

    at = lineage.at_revision(project, desired.commit) or lineage.Lineage()
    return {
        "kind": "rollback",
        "time": timestamp(),
        "actor": actor,
        "stage": "deploy",
        "env": env,
        "model": {"name": desired.model, "version": desired.version},
        "inputs": {
            "commit": desired.commit,
            "o16n_version": __version__,
            "outs": at.outs,
            "params_hash": at.params_hash,
        },
        "from_version": previous.version,
        "verdict": "pass",
    }
