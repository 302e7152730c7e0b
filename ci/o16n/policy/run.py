"""The one gate flow: the facts of a change at a stage, the pack over them, one decision.

`o16n check` (its gate step), `o16n gate` and `o16n deploy` judge a change here and nowhere else;
each then decides what to do with the result: report it, record it in the ledger, deploy. Loading
the pack checks that every fact its rules name exists (a config error otherwise, before anything
is evaluated).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from o16n.adapters import git, gto
from o16n.errors import UsageError
from o16n.policy import PROVIDERS, STAGES, gate, governance
from o16n.policy.document import Facts, ReviewFacts
from o16n.policy.facts import Sources, assemble
from o16n.policy.governance import resolve_base
from o16n.policy.pack import Pack, check_references


def default_base(project: Path, stage: str, candidate: Candidate | None = None) -> str | None:
    """pr: main. deploy: what came before the change that made the version (the first parent
    of its commit: a merge's is main before the merge), or of HEAD; None for a first commit."""
    if stage == "pr":
        return "main"
    parent = f"{candidate.commit if candidate else 'HEAD'}^1"
    return parent if git.revision_exists(parent, project) else None


def prepare(
    project: Path,
    *,
    stage: str,
    env: str | None,
    base: str | None,
    today: dt.date | None = None,
    sources: Sources | None = None,
    provider: str = "auto",
    head: str | None = None,
    since: str | None = None,
    version: str | None = None,
) -> tuple[Pack, Facts]:
    """The pack in force and the facts of this change at `stage`, every fact a rule names
    checked to exist; `o16n facts` prints these, `judge` evaluates them. At stage pr the rules
    are the base's (governance.py); the checkout's are proposed."""
    if stage not in STAGES:
        raise UsageError(f"--stage must be one of {', '.join(STAGES)}, not {stage!r}")
    rules, proposed = governance_of(project, stage, base)
    config = rules.config
    if stage in ("deploy", "revalidate") and env is None:
        raise UsageError(
            f"--stage {stage} needs --env ENV",
            hint=f"environments in o16n.yaml: {', '.join(config.environments)}",
        )
    if env is not None and env not in config.environments:
        raise UsageError(
            f"--env {env!r} is not an environment of this project",
            hint=f"o16n.yaml lists: {', '.join(config.environments)}",
        )
    sources = sources or Sources()
    if sources.review is None:
        sources.review = github_review(provider, config.teams, stage, env, head, project)
    facts = assemble(
        project,
        rules,
        stage=stage,
        env=env,
        base=base,
        proposed=proposed,
        head=head,
        since=since,
        today=today,
        sources=sources,
        version=version,
    )
    check_references(rules.pack, facts)
    if proposed is not None:  # a rule the change proposes must be sound before it can merge
        check_references(proposed.pack, facts)
    return rules.pack, facts


def governance_of(
    project: Path, stage: str, base: str | None
) -> tuple[governance.Governance, governance.Governance | None]:
    """(in force, proposed): at stage pr the merge base's and the checkout's; else the
    checkout's alone."""
    if stage != "pr" or not base:
        return governance.of_checkout(project), None
    base_commit = resolve_base(project, base)
    assert base_commit is not None  # a base was given
    rules = governance.at_commit(project, governance.merge_base(project, base_commit))
    return rules, governance.of_checkout(project)


def github_review(
    provider: str,
    teams: dict[str, list[str]],
    stage: str = "pr",
    env: str | None = None,
    commit: str | None = None,
    project: Path = Path("."),
) -> ReviewFacts | None:
    """Review facts from GitHub: with `github`, or with `auto` when the Actions variables name
    a token and a repository. At stage pr, the event's pull request; at stage deploy on a push,
    the pull request that merged the commit and this run's environment approvals. None: git."""
    if provider not in PROVIDERS:
        raise UsageError(f"--review must be one of {', '.join(PROVIDERS)}, not {provider!r}")
    if provider == "git":
        return None
    if provider == "auto" and not (
        os.environ.get("GITHUB_TOKEN") and os.environ.get("GITHUB_REPOSITORY")
    ):
        return None
    from o16n.adapters import github

    actions = github.Actions.from_env()
    number = actions.pr_number
    if number is None and stage == "deploy":
        from o16n.policy.pull_review import deploy_review_facts

        sha = commit or actions.sha
        if sha is None:
            raise UsageError("--review github at stage deploy needs GITHUB_SHA (the commit)")
        files = git.run("diff", "--name-only", f"{sha}^1", sha, project=project)
        changed = [p for p in files.output.split("\n") if p] if files.ok else []
        return deploy_review_facts(github.connect(actions), actions, sha, env, teams, changed)
    if number is None:
        if provider == "auto":
            return None
        raise UsageError(
            "--review github needs a pull request event (or a workflow_dispatch `pr` input)"
        )
    from o16n.policy.pull_review import review_facts

    return review_facts(github.connect(actions), actions, number, teams)


@dataclass(frozen=True)
class Candidate:
    """What a deploy gate judges: a registered version of the model and its artifact's hashes."""

    model: str
    version: str
    commit: str
    artifact: dict[str, str]


def previous_version(project: Path, candidate: Candidate) -> str | None:
    """The commit of the latest version before the candidate on its history, if any."""
    earlier = [
        v.commit
        for v in gto.versions(project, candidate.model)
        if v.commit != candidate.commit
        and git.run("merge-base", "--is-ancestor", v.commit, candidate.commit, project=project).ok
    ]
    return earlier[-1] if earlier else None


@dataclass(frozen=True)
class Judged:
    """A decision with what it was made on: the pack, the facts, and the record for the ledger."""

    pack: Pack
    facts: Facts
    decision: gate.Decision
    record: dict[str, Any]


def judge(
    project: Path,
    *,
    stage: str,
    env: str | None = None,
    base: str | None = None,
    today: dt.date | None = None,
    sources: Sources | None = None,
    provider: str = "auto",
    candidate: Candidate | None = None,
) -> Judged:
    """The pack over this change's facts; `base` defaults to the stage's (`default_base`). A
    deploy judges the change that made the candidate version (up to its commit)."""
    base = base or default_base(project, stage, candidate)
    pack, facts = prepare(
        project,
        stage=stage,
        env=env,
        base=base,
        today=today,
        sources=sources,
        provider=provider,
        head=candidate.commit if candidate is not None else None,
        since=previous_version(project, candidate) if candidate is not None else None,
        version=candidate.version if candidate is not None else None,
    )
    if candidate is not None and facts["lineage"]["model"] != candidate.artifact:
        raise UsageError(
            f"the checkout's model is not {candidate.model}@{candidate.version}'s: the gate "
            "can only judge the model it sees",
            hint=f"check out {candidate.commit[:12]} (or a later commit with the same model)",
        )
    decision = gate.evaluate(pack, facts)
    return Judged(pack, facts, decision, gate.record(decision, facts, gate.actor(project)))
