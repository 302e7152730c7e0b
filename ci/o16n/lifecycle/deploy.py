"""Desired state in git: `deploy/<env>/desired.yaml` says which model version should run in an
environment; the runtime reconciles to it. Deploying writes it (after the environment's deploy
gate passes), records the decision in the ledger, commits both and assigns the GTO stage tag;
a rollback writes the previous desired state back, as a new commit, also recorded.

Only a signed release is deployed: before the gate, the version's release must verify
(o16n.lifecycle.verify: the manifest's signature by a key the protected branch trusts, its
files, its binding to the version's commit and model files), and the desired state carries the
signed manifest for what serves to check again. A release that does not verify is refused
before anything is written: no desired state, no ledger record, no commit, no tag.

Writes are atomic (temp file, rename) and serialized by a lock in .git, so two deploys at once
run one after the other and a killed deploy leaves the last committed state in place. The
file's format, and reading it, is o16n.serving.desired's: what serves reads it too.

With --github the GitHub Deployment is created after the commit that holds the ledger record,
and its payload carries the record's seq and hash (`ledger.deployment_payload`): a payload
cannot be changed once created, and a deployment made first could only name a record that
might never be committed (a gate that fails to load, a failed commit). So every o16n
deployment names a committed record, and `o16n ledger verify --github` can hold each side
to the other. Its statuses: pending (created), then success, failure (refused) or error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import fcntl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from o16n import __version__
from o16n.adapters import git, gto
from o16n.adapters.ci import run_url
from o16n.adapters.clock import timestamp
from o16n.adapters.dvc import lineage
from o16n.adapters.files import write_text_atomic
from o16n.adapters.manifest import BRANCH_SETTING, trust_at
from o16n.config.project import ServingConfig, load_project, require_environment
from o16n.errors import ConfigError, ToolError, UsageError
from o16n.lifecycle import ledger, revalidation, verify, writeback
from o16n.policy.facts import Sources
from o16n.policy.gate import actor
from o16n.policy.run import Candidate, Judged, judge
from o16n.serving.desired import (
    DEPLOY_DIR,
    DESIRED,
    Desired,
    artifact_md5,
    current,
    history,
    verify_release,
)

if TYPE_CHECKING:  # the GitHub adapter loads github3: imported only for --github
    from o16n.adapters.github import Actions, Client


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
    paths = [DEPLOY_DIR, str(ledger.LEDGER)]
    changed = git.run("status", "--porcelain", "-uall", "--", *paths, project=project)
    restored = sorted({line[3:] for line in changed.output.splitlines() if line.strip()})
    for rel in restored:
        known = git.run("cat-file", "-e", f"HEAD:{rel}", project=project).ok
        if known:
            git.run("checkout", "HEAD", "--", rel, project=project)
        else:
            (project / rel).unlink(missing_ok=True)
    if str(ledger.LEDGER) in restored:
        ledger.reset_witness(project)  # the dropped record was o16n's own, and is said
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
    return git.head(project)


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
    } | ({"run_url": url} if (url := run_url()) else {})


# ---- the deploy and rollback services ----------------------------------------------------------

Track = Callable[[str, str], None]  # (deployment state, description): a GitHub Deployment's


@dataclass(frozen=True)
class Deployed:
    """A deploy's outcome: the gate's judgement, the ledger record, the commit that holds both
    (and the desired state when the gate passed), and the stage tag assigned."""

    judged: Judged
    recorded: ledger.Appended
    commit: str
    verb: str  # "deploy churn v1.2.0 to staging", or the refusal's
    tag: str | None = None  # None when the gate refused

    @property
    def passed(self) -> bool:
        return self.judged.decision.passed

    @property
    def record(self) -> dict[str, Any]:
        return self.recorded.record


@dataclass(frozen=True)
class RolledBack:
    recorded: ledger.Appended
    commit: str
    verb: str
    tag: str

    @property
    def record(self) -> dict[str, Any]:
        return self.recorded.record


@dataclass(frozen=True)
class Unverified:
    """A deploy or rollback refused before anything was written: the release of the version it
    would put in place does not verify (`problems` says why, `source` where it was looked for)."""

    verb: str
    source: str
    problems: tuple[str, ...]


def pick_version(project: Path, model: str, name: str | None, source: str | None) -> gto.Version:
    """The version to deploy: `name`, what the environment `source` runs, or the latest."""
    if source is not None:
        running = current(project, source)
        if running is None:
            raise UsageError(f"--from {source}: nothing is deployed there yet")
        name = running.version
    found = gto.versions(project, model)
    if name:
        version = next((v for v in found if v.name == name), None)
    else:
        version = found[-1] if found else None
    if version is None:
        raise UsageError(
            f"no version {name!r} of {model}" if name else f"{model} has no version yet",
            hint="run `o16n release` first",
        )
    return version


def deploy(
    project: Path,
    env: str,
    *,
    version: str | None = None,
    source: str | None = None,
    github: bool = False,
    releases: Path = verify.RELEASES,
    push: str | None = None,
    say: Callable[[str], None] = lambda text: None,
    today: dt.date | None = None,
) -> Deployed | Unverified:
    """The environment's deploy gate over a version whose signed release verifies; when it
    passes, the desired state, the decision in the ledger, one commit and the stage tag. A
    refusal by the gate is recorded and committed and changes nothing else; a release that does
    not verify changes nothing at all. With `push` (a remote), the commit and the tag are pushed
    to o16n.yaml's `github.branch` there, before the GitHub Deployment is made. `say` hears
    what recovery put back and what pushing had to replay."""
    config = load_project(project)
    model = config.model
    require_environment(config, env)
    with serialized(project, say):
        session = connect_github(github)  # before anything: no token, no deploy
        picked = pick_version(project, model, version, source)
        desired = desired_for(project, model, picked, config.serving.target)
        trusted = trust_at(project, config.github.branch, BRANCH_SETTING)
        found = verify.release_of(project, model, picked, desired.artifact, trusted, releases)
        if not found.ok:
            verb = f"deploy {model} {picked.name} to {env}"
            return Unverified(verb, found.source, found.verdict.problems)
        desired = dataclasses.replace(desired, release=found.signed)
        candidate = Candidate(model, picked.name, picked.commit, desired.artifact)
        sources = Sources(validations=revalidation.validations(project))
        judged = judge(
            project, stage="deploy", env=env, candidate=candidate, sources=sources, today=today
        )
        passed = judged.decision.passed
        action = {"action": "deploy" if passed else "refused"}
        promoted = {"from_env": source} if source is not None else {}  # a promotion
        recorded = ledger.append(project, judged.record | action | promoted)
        paths = [str(ledger.LEDGER)]
        if passed:
            paths += write(project, env, desired, config.serving)
            verb = f"deploy {model} {picked.name} to {env}"
        else:
            verb = f"record the refused deploy of {model} {picked.name} to {env}"
        commit = commit_state(project, f"[skip ci] {verb}", paths)
        tag = gto.assign(project, model, env, picked.name, f"o16n {verb}") if passed else None
        if push is not None:
            tags = [t for t in (tag, gto.version_tag(model, picked.name)) if t]
            commit, recorded = published(project, push, config.github.branch, tags, recorded, say)
        payload = {"model": model, "version": picked.name, "target": config.serving.target}
        with tracked(session, env, picked.commit, payload, recorded) as track:
            if not passed:
                failed = ", ".join(o.id for o in judged.decision.failing)
                track("failure", f"refused by the deploy gate: {failed}")
                return Deployed(judged, recorded, commit, verb)
            track("success", f"{picked.name} is the desired state ({commit[:12]})")
    return Deployed(judged, recorded, commit, verb, tag)


def published(
    project: Path,
    remote: str,
    branch: str,
    tags: list[str],
    recorded: ledger.Appended,
    say: Callable[[str], None],
) -> tuple[str, ledger.Appended]:
    """The deploy's commit and its tags pushed to `remote`'s `branch` (o16n.lifecycle.
    writeback): the stage tag, and the version tag unless the remote has it (a GitHub Release
    made it there); the commit and the record as they landed: a merge that landed meanwhile puts
    them on its tip, the record re-chained (another seq and hash) and signed again, so the
    GitHub Deployment, created after this, names the record the remote holds."""
    missing = [t for t in tags if t not in git.remote_tags(remote, tags, project)]
    done = writeback.publish(project, remote, branch, missing, say=say)
    if done.replayed:
        recorded = ledger.Appended(ledger.read(project / ledger.LEDGER)[-1])
    return done.commit, recorded


def rollback(
    project: Path,
    env: str,
    *,
    github: bool = False,
    push: str | None = None,
    say: Callable[[str], None] = lambda t: None,
) -> RolledBack | Unverified:
    """The environment's previous desired state (the last one with another version) back, as a
    new commit recorded in the ledger, with the stage tag moved; refused, with nothing written,
    when the release that state carries does not verify (what serves would refuse it too)."""
    config = load_project(project)
    session = connect_github(github)
    with serialized(project, say):
        states = history(project, env)
        if not states:
            raise UsageError(f"nothing was ever deployed to {env}")
        now = states[0]
        previous = next((s for s in states[1:] if s.version != now.version), None)
        if previous is None:
            raise UsageError(
                f"{env} has had only {now.model}@{now.version}: nothing to roll back to"
            )
        checked = verify_release(previous, trust_at(project, config.github.branch, BRANCH_SETTING))
        if not checked.ok:
            verb = f"roll {env} back from {now.version} to {previous.version}"
            return Unverified(verb, f"the desired state of {previous.version}", checked.problems)
        written = write(project, env, previous, config.serving)
        recorded = ledger.append(
            project, rollback_record(project, env, previous, now, actor(project))
        )
        verb = f"roll {env} back from {now.version} to {previous.version}"
        commit = commit_state(project, f"[skip ci] {verb}", [*written, str(ledger.LEDGER)])
        tag = gto.assign(project, previous.model, env, previous.version, f"o16n {verb}")
        if push is not None:
            tags = [tag, gto.version_tag(previous.model, previous.version)]
            commit, recorded = published(project, push, config.github.branch, tags, recorded, say)
        payload = {
            "model": previous.model,
            "version": previous.version,
            "target": previous.target,
            "rollback_from": now.version,
        }
        with tracked(session, env, previous.commit, payload, recorded) as track:
            track("success", f"rolled back to {previous.version} ({commit[:12]})")
    return RolledBack(recorded, commit, verb, tag)


@dataclass(frozen=True)
class GitHubSession:
    client: Client
    actions: Actions


def connect_github(enabled: bool) -> GitHubSession | None:
    """The GitHub connection a --github deploy tracks itself with, made first: a missing
    GITHUB_TOKEN stops the deploy before anything is judged or written."""
    if not enabled:
        return None
    from o16n.adapters import github

    actions = github.Actions.from_env()
    return GitHubSession(github.connect(actions), actions)


@contextlib.contextmanager
def tracked(
    session: GitHubSession | None,
    env: str,
    commit: str,
    payload: dict[str, Any],
    recorded: ledger.Appended,
) -> Iterator[Track]:
    """A GitHub Deployment of `commit` to `env` with a session (--github), else nothing; yields
    `track(state, description)`. Its payload names the ledger record, committed by now, that
    decided it. An error on the way marks the deployment `error` first."""
    if session is None:
        yield lambda state, description: None
        return
    from o16n.adapters import github

    deployment = github.Deployment.start(
        session.client,
        session.actions,
        commit=commit,
        env=env,
        payload=payload | ledger.deployment_payload(recorded),
        description=f"o16n deploy {payload['model']} {payload['version']}: ledger #{recorded.seq}",
    )
    try:
        yield deployment.status
    except Exception as exc:
        with contextlib.suppress(github.GitHubError):
            deployment.status("error", f"o16n deploy failed: {exc}".splitlines()[0])
        raise
