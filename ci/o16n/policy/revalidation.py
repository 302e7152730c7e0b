"""When a version was last validated, and whether that still holds (SR 11-7's revalidation).

A validation is a passing gate decision in the ledger that verifies (signed by a trusted key,
in an unbroken chain): the first deploy of the version, in any environment, is its original
validation; a passing `o16n gate --stage revalidate --env ENV` renews it for that environment
alone. A version is due `revalidation.every` (o16n.yaml, governance-owned) after the newer of
the two. The ledger is read by the lifecycle layer (o16n.lifecycle.revalidation), which hands
the records that verify here; this module only judges them, so the gate, the monitor's
reminder and the inventory share one definition.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from o16n.config.project import RevalidationConfig
from o16n.policy.document import RevalidationFacts

DEPLOY, REVALIDATE = "deploy", "revalidate"


@dataclass(frozen=True)
class Validations:
    """The ledger's decisions as the lifecycle layer read them: `verified` are records that
    verify; `unverified` maps a model version to why records about it were not counted."""

    verified: tuple[Mapping[str, Any], ...] = ()
    unverified: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    broken: tuple[str, ...] = ()  # problems no record can be told apart from: fail closed


@dataclass(frozen=True)
class Validated:
    """The validation in force for one version in one environment (None: none recorded)."""

    time: dt.datetime
    stage: str  # deploy (the original validation) or revalidate
    env: str | None
    seq: int


def last_validation(validations: Validations, version: str, env: str) -> Validated | None:
    """The newer of the version's first passing deploy (any environment) and its newest
    passing revalidation in `env`; a revalidation for another environment or version, or a
    failed one, does not count."""
    deploys = [v for v in _passing(validations, version) if v.stage == DEPLOY]
    renewed = [v for v in _passing(validations, version) if v.stage == REVALIDATE and v.env == env]
    found = ([min(deploys, key=lambda v: v.time)] if deploys else []) + renewed
    return max(found, key=lambda v: v.time) if found else None


def _passing(validations: Validations, version: str) -> list[Validated]:
    found = []
    for record in validations.verified:
        model = record.get("model")
        if not isinstance(model, Mapping) or model.get("version") != version:
            continue
        stage = record.get("stage")
        if record.get("kind") != "decision" or record.get("verdict") == "fail":
            continue
        if stage == DEPLOY and record.get("action") != "deploy":
            continue  # a refused deploy validated nothing
        if stage not in (DEPLOY, REVALIDATE):
            continue
        when = _time(record.get("time"))
        if when is not None:
            found.append(Validated(when, str(stage), _text(record.get("env")), _seq(record)))
    return found


def facts(
    config: RevalidationConfig | None,
    validations: Validations | None,
    *,
    version: str | None,
    env: str | None,
    today: dt.date,
) -> RevalidationFacts:
    """The `revalidation` facts: `applies` when o16n.yaml sets revalidation and the version and
    environment are known; then `expired` once `due` has passed. A version the ledger has no
    record of is being validated by this gate (not expired); one with records that do not
    verify and none that do fails closed (expired), since a forged record must not renew it,
    and a broken one must not make it look new."""
    empty: RevalidationFacts = {
        "configured": config is not None,
        "every": config.every if config else "",
        "every_days": config.every_days if config else 0,
        "remind_days": config.remind_days if config else 0,
        "applies": False,
        "version": version or "",
        "validated": "",
        "validated_by": "",
        "due": "",
        "days_left": 0,
        "expired": False,
        "reminder": False,
        "unverified": [],
        "reason": "",
    }
    if config is None:
        return empty | {"reason": "o16n.yaml sets no revalidation: validations do not expire"}
    if version is None or env is None:
        return empty | {"reason": "no model version or environment to judge"}
    if validations is None:
        return empty | {
            "applies": True,
            "expired": True,
            "reason": "the ledger was not read, so no validation can be shown",
        }
    ignored = list(validations.unverified.get(version, ()))
    last = last_validation(validations, version, env)
    base = empty | {"applies": True, "unverified": ignored}
    if last is None and validations.broken:
        return base | {
            "expired": True,
            "reason": f"{version} has no validation that verifies, and the ledger has a problem "
            f"no record can be told apart from: {validations.broken[0]}; fix that first "
            "(`o16n ledger verify` says what is wrong)",
        }
    if last is None and ignored:
        return base | {
            "expired": True,
            "reason": f"{version} has ledger records that do not verify and none that does: "
            f"{ignored[0]}; run `o16n gate --stage revalidate --env {env}` with "
            "O16N_SIGNING_KEY set",
        }
    if last is None:
        due = today + dt.timedelta(days=config.every_days)
        return base | {
            "due": due.isoformat(),
            "days_left": config.every_days,
            "reason": f"{version} has no validation in the ledger yet: this gate is its first",
        }
    due = last.time.date() + dt.timedelta(days=config.every_days)
    left = (due - today).days
    how = "revalidated" if last.stage == REVALIDATE else "first deployed"
    where = f" in {last.env}" if last.env else ""
    said = f"{version} {how}{where} on {last.time.date().isoformat()} (ledger #{last.seq})"
    return base | {
        "validated": last.time.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "validated_by": f"{last.stage} #{last.seq}",
        "due": due.isoformat(),
        "days_left": left,
        "expired": left < 0,
        "reminder": left <= config.remind_days,
        "reason": f"{said}; due {due.isoformat()}, "
        + (f"{-left} day(s) overdue" if left < 0 else f"{left} day(s) left"),
    }


def _time(value: object) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return found if found.tzinfo else found.replace(tzinfo=dt.UTC)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _seq(record: Mapping[str, Any]) -> int:
    seq = record.get("seq")
    return seq if isinstance(seq, int) else 0
