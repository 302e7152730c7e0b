"""waivers.yaml: a named person accepts a failing rule, for a reason, until a date.

A waived failure becomes a recorded warning. An expired waiver no longer applies, and the gate
says so. A waiver names a rule of the pack in force; a waiver for no rule is a config error. Its
`triggers` (health trigger ids) it also covers in health-no-fail (gate.py), under the same
conditions: whether a waiver applies does not depend on what it covers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from o16n.config.waivers import FILE, WaiversFile, WaiverSpec
from o16n.config.yamlfile import line_of, load_model_and_node
from o16n.errors import ConfigError
from o16n.policy.document import WaiverFacts, WaiverRecord


@dataclass(frozen=True)
class Waiver:
    spec: WaiverSpec
    line: int | None

    @property
    def rule(self) -> str:
        return self.spec.rule

    def active(self, today: dt.date) -> bool:
        return today <= self.spec.expires

    @property
    def triggers(self) -> tuple[str, ...]:
        return tuple(self.spec.triggers)

    def record(self) -> WaiverRecord:
        record: WaiverRecord = {
            "rule": self.spec.rule,
            "reason": self.spec.reason,
            "approved_by": self.spec.approved_by,
            "expires": self.spec.expires.isoformat(),
        }
        if self.spec.triggers:  # kept out when empty: older records look as they did
            record["triggers"] = list(self.spec.triggers)
        return record


def load(project: Path, rule_ids: Sequence[str]) -> list[Waiver]:
    path = project / FILE
    if not path.is_file():
        return []
    spec, node = load_model_and_node(path, WaiversFile)
    waivers = []
    for index, waiver in enumerate(spec.waivers):
        line = line_of(node, ["waivers", index, "rule"])
        if waiver.rule not in rule_ids:
            raise ConfigError(
                f"waives rule {waiver.rule!r}, which the policy pack does not have",
                file=path,
                line=line,
                key=f"waivers[{index}].rule",
                hint=f"rule ids: {', '.join(sorted(rule_ids))}",
            )
        waivers.append(Waiver(waiver, line))
    return waivers


@dataclass(frozen=True)
class Vouching:
    """What decides whether a waiver applies: the waivers already on the base (None at stage
    deploy, where every waiver in the commit is on main), and the change's people."""

    on_base: tuple[WaiverSpec, ...] | None
    approvers: frozenset[str]  # e-mails (git) or @logins (GitHub) whose approval counts
    authors: frozenset[str]
    governance: frozenset[str]  # the governance owners' members, in the same identities


def facts(waivers: Sequence[Waiver], today: dt.date, vouching: Vouching) -> list[WaiverFacts]:
    """Each waiver, whether it applies and, when it does not, why."""
    return [_facts(w, today, vouching) for w in waivers]


def _facts(waiver: Waiver, today: dt.date, vouching: Vouching) -> WaiverFacts:
    from o16n.policy.review import email_of

    spec = waiver.spec
    approver = email_of(spec.approved_by)
    approver_ids = {approver, *_logins(spec.approved_by)}
    on_base = vouching.on_base is None or spec in vouching.on_base
    governance = bool(approver_ids & vouching.governance)
    why_not = ""
    if not waiver.active(today):
        why_not = f"expired on {spec.expires.isoformat()}"
    elif approver_ids & vouching.authors:
        why_not = f"it names {spec.approved_by}, an author of this change: nobody waives their own"
    elif not on_base and not governance:
        why_not = f"{spec.approved_by} is not a governance owner, so cannot approve a waiver"
    elif not on_base and not approver_ids & vouching.approvers:
        why_not = (
            f"added by this change without an authenticated approval from {spec.approved_by}"
            " (a signed `o16n approve` by them, or their review on GitHub)"
        )
    return {
        **waiver.record(),
        "triggers": list(waiver.triggers),
        "active": waiver.active(today),
        "days_left": (spec.expires - today).days,
        "governance_approved": governance,
        "on_base": on_base,
        "applies": not why_not,
        "why_not": why_not,
    }


def _logins(person: str) -> set[str]:
    """A GitHub login an `approved_by` may name: '@ann' or 'Ann (@ann) <ann@example.com>'."""
    return {
        word.strip("()<>,").lower() for word in person.split() if word.strip("(").startswith("@")
    }
