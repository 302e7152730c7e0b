"""The gate: every rule of the pack that applies to this stage, over the facts; one verdict.

A rule passes when its condition is true. A false `warn` rule warns; a false `fail` rule fails,
unless a waiver that applies names it (then it is a recorded warning): not expired, not naming
an author of the change, and on the base already or approved by the person it names. A rule
that cannot be evaluated (a type error, a missing key at run time) fails closed, and no waiver
covers that.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import celpy
from celpy.adapter import json_to_cel
from celpy.evaluation import CELEvalError

from o16n import __version__
from o16n.adapters import git
from o16n.adapters.ci import run_url
from o16n.adapters.clock import timestamp
from o16n.numbers import number
from o16n.policy.document import Facts, WaiverFacts
from o16n.policy.pack import Pack, Rule

PASS, WARN, FAIL, WAIVED, ERROR = "pass", "warn", "fail", "waived", "error"
# The rule health triggers at `fail` feed (facts `health.fail`): a waiver's `triggers` cover
# those triggers there, and the rule is waived when every trigger that fired is covered.
HEALTH_RULE = "health-no-fail"
VERDICT_WORD = {PASS: "passed", WARN: "passed with warnings", FAIL: "failed"}


@dataclass(frozen=True)
class Outcome:
    id: str
    description: str
    severity: str
    outcome: str  # pass | warn | fail | waived | error
    message: str  # the rule's message when it did not pass; the error when it failed to run
    detail: str = ""  # the rule's `explain`, evaluated
    where: str = ""  # file:line of the rule


@dataclass(frozen=True)
class Decision:
    stage: str
    env: str | None
    outcomes: tuple[Outcome, ...]
    waivers_used: tuple[WaiverFacts, ...]
    notes: tuple[str, ...]  # e.g. expired waivers

    @property
    def verdict(self) -> str:
        if self.failing:
            return FAIL
        return WARN if any(o.outcome in (WARN, WAIVED) for o in self.outcomes) else PASS

    @property
    def passed(self) -> bool:
        return self.verdict != FAIL

    @property
    def failing(self) -> tuple[Outcome, ...]:
        """The outcomes that make the verdict `fail`: failed rules and rules that errored."""
        return tuple(o for o in self.outcomes if o.outcome in (FAIL, ERROR))


def evaluate(pack: Pack, facts: Facts) -> Decision:
    stage, env = str(facts["stage"]), facts.get("env")
    document = cast(Mapping[str, Any], facts)  # JSON values, as CEL takes them
    activation = {name: json_to_cel(value) for name, value in document.items()}
    every = facts.get("waivers", [])
    # a waiver of health-no-fail that names triggers covers those only, not the whole rule
    whole = [w for w in every if not (w["rule"] == HEALTH_RULE and w.get("triggers"))]
    active = {w["rule"]: w for w in whole if w["applies"]}
    refused = {w["rule"]: w for w in whole if not w["applies"]}
    outcomes, used, notes = [], [], []
    for rule in pack.rules:
        if not rule.applies(stage, env):
            continue
        outcome = _run(rule, activation)
        if outcome.outcome == FAIL and rule.id in active:
            waiver = active[rule.id]
            used.append(waiver)
            outcome = _replace(
                outcome,
                WAIVED,
                f"{outcome.message} (waived: {waiver['reason']};"
                f" approved by {waiver['approved_by']} until {waiver['expires']})",
            )
        elif outcome.outcome == FAIL and rule.id == HEALTH_RULE:
            outcome, covering, said = _waive_triggers(outcome, facts, every, refused.get(rule.id))
            used += [w for w in covering if w not in used]
            notes += said
        elif outcome.outcome == FAIL and rule.id in refused:
            waiver = refused[rule.id]
            notes.append(
                f"the waiver for {rule.id} does not apply: {waiver['why_not']}; "
                + (
                    "renew it in waivers.yaml (with an approver) or fix the cause"
                    if not waiver["active"]
                    else "fix the cause, or have the waiver approved"
                )
            )
        if outcome.outcome == PASS and outcome.detail:
            notes.append(f"{rule.id}: {outcome.detail}")
        outcomes.append(outcome)
    return Decision(stage, env, tuple(outcomes), tuple(used), tuple(notes))


def _waive_triggers(
    outcome: Outcome,
    facts: Facts,
    waivers: list[WaiverFacts],
    refused_whole: WaiverFacts | None,
) -> tuple[Outcome, list[WaiverFacts], list[str]]:
    """health-no-fail failed: waived when health ran and every trigger that fired is covered
    by a waiver that applies and names it in `triggers`; else the notes say which triggers a
    waiver would need, and why a waiver that names one does not apply."""
    health = facts["health"]
    fired = list(health["fail"])
    notes: list[str] = []
    if refused_whole is not None:
        notes.append(f"the waiver for {HEALTH_RULE} does not apply: {refused_whole['why_not']}")
    if not health["ran"] or not fired:
        return outcome, [], notes
    covering = [w for w in waivers if w["applies"] and set(w.get("triggers", [])) & set(fired)]
    covered = {t for w in covering for t in w.get("triggers", [])} & set(fired)
    for w in waivers:
        named = sorted(set(w.get("triggers", [])) & set(fired))
        if named and not w["applies"]:
            notes.append(
                f"the waiver of {w['rule']} for health trigger(s) {', '.join(named)} does not"
                f" apply: {w['why_not']}"
            )
        elif w["applies"] and not w.get("triggers") and w["rule"] in fired:
            notes.append(
                f"the waiver for rule {w['rule']} does not cover the health trigger"
                f" {w['rule']} in {HEALTH_RULE}: add `triggers: [{w['rule']}]` to it"
            )
    left = [t for t in fired if t not in covered]
    if left:
        notes.append(
            f"{HEALTH_RULE}: to waive it, a waiver (waivers.yaml) must name every health trigger"
            f" that fired; not covered: `triggers: [{', '.join(left)}]`"
        )
        return outcome, [], notes
    accepted = "; ".join(
        f"{', '.join(t for t in w.get('triggers', []) if t in fired)} by the waiver of"
        f" {w['rule']}: {w['reason']}; approved by {w['approved_by']} until {w['expires']}"
        for w in covering
    )
    notes.append(f"{HEALTH_RULE} waived per health trigger: {', '.join(fired)}")
    return _replace(outcome, WAIVED, f"{outcome.message} (waived: {accepted})"), covering, notes


def _run(rule: Rule, activation: Mapping[str, Any]) -> Outcome:
    spec = rule.spec
    base = Outcome(spec.id, spec.description, spec.severity, PASS, "", where=rule.where())
    try:
        result = rule.program.evaluate(activation)
    except CELEvalError as exc:
        return _replace(base, ERROR, _eval_error(exc))
    if isinstance(result, CELEvalError):
        return _replace(base, ERROR, _eval_error(result))
    if not isinstance(result, celpy.celtypes.BoolType):
        return _replace(
            base, ERROR, f"the condition gave {type(result).__name__} {result!r}, not a bool"
        )
    if result:
        return _replace(base, PASS, "", _note(rule, activation))
    detail = ""
    if rule.explain is not None:
        try:
            detail = _plain(rule.explain.evaluate(activation))
        except CELEvalError as exc:
            detail = f"(explain failed: {_eval_error(exc)})"
    return _replace(base, spec.severity, spec.message, detail)


def _note(rule: Rule, activation: Mapping[str, Any]) -> str:
    """A passing rule's note (how it passed, e.g. that nothing compared), or ""."""
    if rule.note is None:
        return ""
    try:
        return _plain(rule.note.evaluate(activation))
    except CELEvalError as exc:
        return f"(note failed: {_eval_error(exc)})"


def _replace(outcome: Outcome, status: str, message: str, detail: str | None = None) -> Outcome:
    return Outcome(
        outcome.id,
        outcome.description,
        outcome.severity,
        status,
        message,
        outcome.detail if detail is None else detail,
        outcome.where,
    )


def _eval_error(exc: CELEvalError) -> str:
    text = str(exc.args[0]) if exc.args else str(exc)
    text = text.split(" (in activation", 1)[0].split("\n", 1)[0][:300]
    if "IntType" in text and "DoubleType" in text:
        text += " — CEL does not compare int with double: write 2.0 for 2, or use double(x)"
    return f"could not evaluate: {text}"


def _plain(value: Any) -> str:
    """A CEL value as a person reads it: lists and maps as JSON-like text."""
    if isinstance(value, CELEvalError):
        return f"(explain failed: {_eval_error(value)})"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_plain(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_plain(k)}: {_plain(v)}" for k, v in value.items()) + "}"
    if isinstance(value, celpy.celtypes.BoolType):
        return "true" if value else "false"
    if isinstance(value, str):
        return str(value)
    if isinstance(value, float):
        return number(value)
    return str(value)


def record(decision: Decision, facts: Facts, actor: str) -> dict[str, Any]:
    """The decision record: what was decided, on which inputs, by whom, when (for the ledger)."""
    lineage = facts["lineage"]
    return {
        "kind": "decision",
        "time": timestamp(),
        "actor": actor,
        "stage": decision.stage,
        "env": decision.env,
        "model": {"name": facts["model"]["name"], "version": facts["model"]["version"]},
        "inputs": {
            "commit": facts["commit"],
            "base": facts["baseline"]["commit"] or None,
            "o16n_version": __version__,
            "outs": lineage["outs"],
            "params_hash": lineage["params_hash"],
            "policy_hash": facts["pack"]["hash"],
            "pack": facts["pack"]["name"],
        },
        "metrics": facts["metrics"],
        "rules": [
            {"id": o.id, "severity": o.severity, "outcome": o.outcome, "message": o.message}
            for o in decision.outcomes
        ],
        "waivers": [
            {k: w[k] for k in ("rule", "reason", "approved_by", "expires")}
            | ({"triggers": w["triggers"]} if w.get("triggers") else {})
            for w in decision.waivers_used
        ],
        "approvals": list(facts["review"]["approvers"]),
        "approved_via": approved_via(facts["review"]),
        "notes": list(decision.notes),
        "verdict": decision.verdict,
    } | _ci_run()


def _ci_run() -> dict[str, str]:
    """The CI run that decided (Actions), so the site and `o16n logs --run` find its logs."""
    url = run_url()
    return {"run_url": url} if url else {}


# How an approval that counted was given: the words `o16n history` shows.
REVIEW, SIGNED, ENVIRONMENT = "review", "signed approval", "environment approval"


def approved_via(review: Mapping[str, Any]) -> dict[str, str]:
    """Each counted approver and how they approved: a pull request review (GitHub), an
    SSH-signed `o16n approve` commit (git), or a required reviewer of the environment that
    released this run's deploy job (GitHub environments)."""
    environment = set(review.get("environment_approvers") or ())
    how = SIGNED if review.get("provider") == "git" else REVIEW
    return {who: ENVIRONMENT if who in environment else how for who in review["approvers"]}


def actor(project: Path) -> str:
    """Who decides: the Actions actor in CI, else the git identity, else the OS user."""
    if os.environ.get("GITHUB_ACTOR"):
        return os.environ["GITHUB_ACTOR"]
    name = git.run("config", "user.name", project=project).output.strip()
    email = git.run("config", "user.email", project=project).output.strip()
    if name and email:
        return f"{name} <{email}>"
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
