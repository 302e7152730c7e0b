"""What ran in each environment, and when: reconstructed from the ledger and git alone, verified.

Every deploy (`o16n deploy`, a promotion with `--from`) and every rollback appends a record to
the ledger in the commit that changes `deploy/<env>/`; the record says when, who, which version
and commit, the data and model hashes, and (a deploy) the gate's rules, waivers and approvals.
The states of an environment are those records in ledger order: each lasts until the next one
for the same environment. A rollback carries no gate of its own: it puts back a state an
earlier deploy decided, and that deploy's decision (and approvals) come with it.

Nothing here is taken on trust: `ledger.verify` runs once, and each state lists the problems of
its own record and of the decision behind it, plus those of the ledger as a whole (no trusted
key, a rewritten history). The newest state of each environment is also held against
`deploy/<env>/desired.yaml` as committed: a desired state that no recorded decision put there
(an edit that bypassed `o16n deploy`) is a problem of that state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from o16n.adapters import git
from o16n.adapters.dvc import lineage
from o16n.config.project import load_project, require_environment
from o16n.errors import ConfigError, UsageError
from o16n.lifecycle import ledger
from o16n.policy.gate import ENVIRONMENT, REVIEW, SIGNED
from o16n.serving.desired import desired_rel, read_desired

DEPLOY, PROMOTE, ROLLBACK = "deploy", "promote", "rollback"


@dataclass(frozen=True)
class Approval:
    who: str  # "@login" (GitHub) or an e-mail (a signed `o16n approve`)
    how: str  # REVIEW | SIGNED | ENVIRONMENT (o16n.policy.gate)


@dataclass(frozen=True)
class Deployment:
    """One state of an environment: what a deploy, a promotion or a rollback put there."""

    env: str
    since: str  # ISO 8601, UTC
    until: str | None  # when the next state replaced it; None: it runs now
    action: str  # DEPLOY | PROMOTE | ROLLBACK
    version: str | None
    commit: str  # the commit of the model that runs
    data: dict[str, str]  # path -> md5, the DVC-tracked data at `commit`
    model: dict[str, str]  # path -> md5, the model files at `commit`
    actor: str  # who deployed, promoted or rolled back
    approvals: tuple[Approval, ...]
    verdict: str  # the deciding gate's verdict
    pack: str  # the policy pack that decided
    seq: int  # the ledger seq of the record that made this state
    hash: str
    waivers: tuple[dict[str, Any], ...]
    decision: dict[str, Any] | None  # the gate record that decided (a rollback: the earlier one)
    from_env: str | None = None  # a promotion: the environment the version came from
    from_version: str | None = None  # a rollback: the version it replaced
    problems: tuple[str, ...] = field(default=())

    @property
    def verified(self) -> bool:
        return not self.problems


def deployments(
    project: Path, *, verification: ledger.Verification | None = None
) -> list[Deployment]:
    """Every state of every environment, in ledger order, each with its problems."""
    if not git.in_repository(project):
        raise ConfigError(f"{project} is not a git repository", hint="run it in the model repo")
    numbered = ledger.numbered(project / ledger.LEDGER)
    checked = verification if verification is not None else ledger.verify(project)
    problems = _problems_by_seq(checked, numbered)
    states = _states([record for _, record in numbered], problems)
    return _with_desired_state(project, _with_until(states))


def at(
    project: Path, env: str, when: datetime | None = None, *, states: Sequence[Deployment] = ()
) -> Deployment | None:
    """What ran in `env` at `when` (default: now): the last state that began at or before it."""
    require_environment(load_project(project), env)
    moment = (when or datetime.now(UTC)).astimezone(UTC)
    found = None
    for state in states or deployments(project):
        if state.env == env and instant(state.since) <= moment:
            found = state
    return found


def current(project: Path) -> dict[str, Deployment]:
    """What runs now in each environment that ever had a deploy."""
    now: dict[str, Deployment] = {}
    for state in deployments(project):
        now[state.env] = state
    return now


def instant(text: str) -> datetime:
    """An ISO 8601 time as an aware UTC datetime; a record's unreadable time sorts first."""
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


def parse_moment(text: str, flag: str = "--at") -> datetime:
    """A date or date-time the user typed (`2026-11-24`, `2026-11-24T10:00`, with `Z` or an
    offset); no zone means UTC, a date alone its end (23:59:59), so `--at` a day shows what
    ran at the end of it."""
    value = text.strip()
    try:
        parsed = datetime.fromisoformat(value.replace("z", "Z"))
    except ValueError:
        raise UsageError(
            f"{flag} {text}: not a date or date-time",
            hint="write ISO 8601: 2026-11-24, 2026-11-24T10:00, 2026-11-24T10:00:00Z",
        ) from None
    if len(value) == 10:  # a date alone
        parsed = parsed.replace(hour=23, minute=59, second=59)
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).astimezone(UTC)


# ---- from records to states --------------------------------------------------------------------


def _states(
    records: Sequence[Mapping[str, Any]], problems: Mapping[int, tuple[str, ...]]
) -> list[Deployment]:
    states: list[Deployment] = []
    deciding: dict[tuple[str, str | None], Mapping[str, Any]] = {}  # (env, version) -> deploy
    for record in records:
        if not _changes_state(record):
            continue
        env, version = str(record.get("env") or ""), _version(record)
        seq = _int(record.get("seq"))
        own = problems.get(seq, ())
        if record.get("kind") == "rollback":
            decided = deciding.get((env, version))
            states.append(_rolled_back(record, decided, own, problems))
            continue
        deciding[(env, version)] = record
        states.append(_deployed(record, own))
    return states


def _changes_state(record: Mapping[str, Any]) -> bool:
    """A deploy that the gate let through, or a rollback: refusals change nothing."""
    if record.get("kind") == "rollback":
        return True
    return record.get("stage") == "deploy" and record.get("action") == "deploy"


def _deployed(record: Mapping[str, Any], problems: tuple[str, ...]) -> Deployment:
    inputs = _mapping(record.get("inputs"))
    outs = lineage.Lineage(outs={str(k): str(v) for k, v in _mapping(inputs.get("outs")).items()})
    source = record.get("from_env")
    return Deployment(
        env=str(record.get("env") or ""),
        since=str(record.get("time") or ""),
        until=None,
        action=PROMOTE if source else DEPLOY,
        version=_version(record),
        commit=str(inputs.get("commit") or ""),
        data=outs.data,
        model=outs.model,
        actor=str(record.get("actor") or ""),
        approvals=approvals(record),
        verdict=str(record.get("verdict") or ""),
        pack=str(inputs.get("pack") or ""),
        seq=_int(record.get("seq")),
        hash=str(record.get("hash") or ""),
        waivers=tuple(w for w in record.get("waivers") or () if isinstance(w, dict)),
        decision=dict(record),
        from_env=str(source) if source else None,
        problems=problems,
    )


def _rolled_back(
    record: Mapping[str, Any],
    decided: Mapping[str, Any] | None,
    own: tuple[str, ...],
    problems: Mapping[int, tuple[str, ...]],
) -> Deployment:
    """A rollback's state: its own who and when, the earlier deploy's decision and approvals."""
    base = _deployed(decided or record, ())
    inputs = _mapping(record.get("inputs"))
    outs = lineage.Lineage(outs={str(k): str(v) for k, v in _mapping(inputs.get("outs")).items()})
    found = list(own)
    if decided is None:
        found.append(
            f"rolled back to {_version(record)}, which no recorded deploy put in "
            f"{record.get('env')}: no decision stands behind this state"
        )
    else:
        found += [f"its decision (seq {base.seq}): {p}" for p in problems.get(base.seq, ())]
    return replace(
        base,
        since=str(record.get("time") or ""),
        action=ROLLBACK,
        commit=str(inputs.get("commit") or base.commit),
        data=outs.data or base.data,
        model=outs.model or base.model,
        actor=str(record.get("actor") or ""),
        seq=_int(record.get("seq")),
        hash=str(record.get("hash") or ""),
        decision=dict(decided) if decided is not None else None,
        from_env=None,
        from_version=str(record["from_version"]) if record.get("from_version") else None,
        problems=tuple(found),
        approvals=base.approvals if decided is not None else (),
        verdict=base.verdict if decided is not None else "",
        waivers=base.waivers if decided is not None else (),
    )


def approvals(record: Mapping[str, Any]) -> tuple[Approval, ...]:
    """The approvals a decision counted, each with how it was given. Records made before
    `approved_via` was kept say it by the approver's form: an @login reviewed on GitHub, an
    e-mail signed an `o16n approve` commit."""
    via = _mapping(record.get("approved_via"))
    found = []
    for who in record.get("approvals") or ():
        name = str(who)
        how = str(via.get(name) or (REVIEW if name.startswith("@") else SIGNED))
        found.append(Approval(name, how if how in (REVIEW, SIGNED, ENVIRONMENT) else REVIEW))
    return tuple(found)


def _with_until(states: list[Deployment]) -> list[Deployment]:
    following: dict[str, str] = {}
    out: list[Deployment] = []
    for state in reversed(states):
        out.append(replace(state, until=following.get(state.env)))
        following[state.env] = state.since
    return out[::-1]


def _with_desired_state(project: Path, states: list[Deployment]) -> list[Deployment]:
    """The newest state of each environment against its committed desired state."""
    newest = {state.env: index for index, state in enumerate(states)}
    for env, index in newest.items():
        state = states[index]
        problem = _desired_mismatch(project, env, state)
        if problem:
            states[index] = replace(state, problems=(*state.problems, problem))
    return states


def _desired_mismatch(project: Path, env: str, state: Deployment) -> str | None:
    shown = git.run("show", f"HEAD:{desired_rel(env)}", project=project)
    text = shown.output if shown.ok else None
    if text is None:
        return f"deploy/{env}/desired.yaml is not committed: the ledger says {state.version} runs"
    try:
        desired = read_desired(text, f"HEAD:deploy/{env}/desired.yaml")
    except ConfigError as exc:
        return f"deploy/{env}/desired.yaml as committed cannot be read: {exc.message}"
    if desired.version != state.version or desired.commit != state.commit:
        return (
            f"deploy/{env}/desired.yaml as committed names {desired.version} "
            f"({desired.commit[:12]}), but the ledger's last state of {env} is {state.version} "
            f"({state.commit[:12]}): the desired state was changed without a recorded decision"
        )
    return None


# ---- verification ----------------------------------------------------------------------------


def _problems_by_seq(
    checked: ledger.Verification, numbered: Sequence[tuple[int, Mapping[str, Any]]]
) -> dict[int, tuple[str, ...]]:
    """Each record's problems (`ledger.record_problems`: its own, and those of a line before
    it that is no record) and the ledger's as a whole, by the record's seq."""
    by_line = ledger.record_problems(checked, [line for line, _ in numbered])
    whole = [f"ledger: {p.message}" for p in ledger.whole_problems(checked)]
    return {
        _int(record.get("seq")): (
            *(
                p.message if p.seq is not None else f"ledger line {p.line}: {p.message}"
                for p in by_line[line]
            ),
            *whole,
        )  # fmt: skip
        for line, record in numbered
    }


def _version(record: Mapping[str, Any]) -> str | None:
    version = _mapping(record.get("model")).get("version")
    return str(version) if version else None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0
