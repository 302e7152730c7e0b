"""Revalidation from the ledger: which decisions count as validations, the revalidate gate, and
what falls due (for the monitor's reminder and the inventory).

Only records that verify count (`o16n ledger verify`: signed by a key main trusts, in an
unbroken chain that git history and the witness hold). A problem that names no single record
(a rewritten history, a missing trust file) leaves none counted; a record with a problem of its
own is left out and named. Judging them is o16n.policy.revalidation's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from o16n.config.project import ProjectConfig, load_project, require_environment
from o16n.errors import ConfigError, UsageError
from o16n.lifecycle import ledger
from o16n.policy import revalidation
from o16n.policy.document import RevalidationFacts
from o16n.policy.facts import Sources
from o16n.policy.run import Candidate, Judged, judge
from o16n.serving import desired

if TYPE_CHECKING:  # the GitHub adapter loads github3: imported only for the reminder
    from o16n.adapters.github import Actions

STAGE = "revalidate"


def validations(project: Path) -> revalidation.Validations:
    """The ledger's records that verify, and why the others about a version do not count. A
    ledger that does not read, or has a problem no record can be told apart from (a line that
    is no record, a rewritten history), is `broken`: then no version counts as never validated
    (its records could be the unreadable ones), so every one is due (fail closed)."""
    try:
        lines = ledger.numbered(project / ledger.LEDGER)
    except ConfigError as exc:
        return revalidation.Validations(broken=(str(exc),))
    if not lines:
        return revalidation.Validations()
    checked = ledger.verify(project)
    by_line = ledger.record_problems(checked, [number for number, _ in lines])
    whole = ledger.whole_problems(checked)
    broken = tuple(str(p) for p in (*whole, *(p for p in checked.problems if p.seq is None)))
    verified: list[dict[str, Any]] = []
    unverified: dict[str, list[str]] = {}
    for number, record in lines:
        problems = (*whole, *by_line[number])
        if not problems:
            verified.append(record)
            continue
        version = _version(record)
        if version is not None:
            unverified.setdefault(version, []).append(str(problems[0]))
    return revalidation.Validations(
        tuple(verified), {k: tuple(v) for k, v in unverified.items()}, tuple(dict.fromkeys(broken))
    )


def _version(record: Mapping[str, Any]) -> str | None:
    model = record.get("model")
    version = model.get("version") if isinstance(model, Mapping) else None
    return version if isinstance(version, str) else None


def running(project: Path, env: str) -> desired.Desired:
    """What runs in `env` now (deploy/<env>/desired.yaml), or a UsageError."""
    state = desired.current(project, env)
    if state is None:
        raise UsageError(
            f"--env {env}: nothing is deployed there ({desired.desired_rel(env)} is missing), "
            "so there is no version to revalidate",
            hint=f"deploy one first: `o16n deploy --env {env}`",
        )
    return state


def judge_revalidation(
    project: Path, env: str, *, today: dt.date | None = None, provider: str = "auto"
) -> Judged:
    """The revalidate stage's rules over the version that runs in `env`, judged on the
    checkout (which must hold that version's model) and today's health; the record names that
    version, so a passing one renews its validation in `env` alone."""
    config = load_project(project)
    require_environment(config, env)
    state = running(project, env)
    candidate = Candidate(state.model, state.version, state.commit, state.artifact)
    sources = Sources(validations=validations(project))
    return judge(
        project,
        stage=STAGE,
        env=env,
        today=today,
        sources=sources,
        provider=provider,
        candidate=candidate,
    )


@dataclass(frozen=True)
class Standing:
    """One environment's version and its revalidation facts."""

    env: str
    version: str
    facts: RevalidationFacts


def standings(project: Path, today: dt.date, config: ProjectConfig | None = None) -> list[Standing]:
    """For each environment that runs a version, when its validation falls due, by the
    revalidation settings of o16n.yaml as checked out (the monitor runs on main)."""
    config = config or load_project(project)
    found = validations(project)
    result = []
    for env in config.environments:
        state = desired.current(project, env)
        if state is None:
            continue
        facts = revalidation.facts(
            config.revalidation, found, version=state.version, env=env, today=today
        )
        result.append(Standing(env, state.version, facts))
    return result


# ---- the reminder (o16n monitor --github) ------------------------------------------------------

REMINDER_LABEL = "o16n-revalidation"


def due_soon(project: Path, today: dt.date, config: ProjectConfig | None = None) -> list[Standing]:
    """The environments whose version falls due within `remind` (or is overdue)."""
    return [s for s in standings(project, today, config) if s.facts["reminder"]]


def reminder_marker(model: str) -> str:
    """The hidden line that finds o16n's one revalidation issue for this model again."""
    return f"<!-- o16n-revalidation: {model} -->"


def reminder_title(model: str) -> str:
    return f"o16n: revalidation of {model} falls due"


def remind(model: str, due: list[Standing], actions: Actions, body: str) -> str:
    """Open o16n's revalidation issue, or replace its body (one issue, never two); nothing
    when nothing falls due. Returns what was done."""
    if not due:
        return ""
    from o16n.adapters import github

    client = github.connect(actions)
    number, created = github.upsert_issue(
        client, actions, reminder_title(model), body, reminder_marker(model), REMINDER_LABEL
    )
    return f"revalidation issue #{number} {'opened' if created else 'updated'}"
