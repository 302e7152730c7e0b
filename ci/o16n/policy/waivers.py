"""waivers.yaml: a named person accepts a failing rule, for a reason, until a date.

A waived failure becomes a recorded warning. An expired waiver no longer applies, and the gate
says so. A waiver names a rule of the pack in force; a waiver for no rule is a config error.
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

    def record(self) -> WaiverRecord:
        return {
            "rule": self.spec.rule,
            "reason": self.spec.reason,
            "approved_by": self.spec.approved_by,
            "expires": self.spec.expires.isoformat(),
        }


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


def facts(waivers: Sequence[Waiver], today: dt.date, governance: set[str]) -> list[WaiverFacts]:
    from o16n.policy.review import email_of

    return [
        {
            **w.record(),
            "active": w.active(today),
            "days_left": (w.spec.expires - today).days,
            "governance_approved": email_of(w.spec.approved_by) in governance,
        }
        for w in waivers
    ]
