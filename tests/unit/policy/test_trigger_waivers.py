"""A waiver's `triggers`: the health triggers it covers in health-no-fail, which a waiver of
another rule does not. health-no-fail is waived only when every trigger that fired is covered by
a waiver that applies (issue 13's rules: on the base, or approved by the governance owner it
names), and when it stays red the notes and its explanation name the triggers a waiver needs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from o16n.errors import ConfigError
from o16n.policy import gate, pack, waivers
from o16n.policy.pack import builtin_packs
from tests.unit.policy.test_pack import facts_for

TODAY = dt.date(2026, 12, 1)
GOV = "gov@example.com"
BASELINE = pack.load(builtin_packs() / "baseline")
REGRESSED = {"metrics": {"roc_auc": 0.95}}  # 0.047 under the base's, past the 0.01 tolerance


def waivers_file(tmp_path: Path, *entries: tuple[str, list[str] | None]) -> list[waivers.Waiver]:
    text = "version: 1\nwaivers:\n"
    for rule, triggers in entries:
        text += f"  - rule: {rule}\n    reason: accepted on purpose by the risk team\n"
        text += f"    approved_by: Gov <{GOV}>\n    expires: 2026-12-31\n"
        if triggers is not None:
            text += f"    triggers: [{', '.join(triggers)}]\n"
    (tmp_path / "waivers.yaml").write_text(text)
    return waivers.load(tmp_path, [r.id for r in BASELINE.rules])


def decide(
    loaded: list[waivers.Waiver],
    fired: list[str],
    *,
    on_base: tuple[waivers.WaiverSpec, ...] | None = None,
    approvers: frozenset[str] = frozenset(),
    ran: bool = True,
) -> gate.Decision:
    facts = facts_for(BASELINE, {"facts": {**REGRESSED, "health": {"fail": fired, "ran": ran}}})
    authors = frozenset({"dev@example.com"})
    vouching = waivers.Vouching(on_base, approvers, authors, frozenset({GOV}))
    facts["waivers"] = waivers.facts(loaded, TODAY, vouching)
    return gate.evaluate(BASELINE, facts)


def outcome(decision: gate.Decision, rule: str) -> gate.Outcome:
    return next(o for o in decision.outcomes if o.id == rule)


def test_a_waiver_of_the_rule_alone_leaves_its_trigger_red_and_says_what_to_add(
    tmp_path: Path,
) -> None:
    decision = decide(waivers_file(tmp_path, ("no-regression", None)), ["no-regression"])
    assert outcome(decision, "no-regression").outcome == "waived"
    health = outcome(decision, "health-no-fail")
    assert health.outcome == "fail"
    assert health.detail == (
        "fired: no-regression; a waiver accepts them only by naming them:"
        " `triggers: [no-regression]`"
    )
    assert (
        "the waiver for rule no-regression does not cover the health trigger no-regression"
        " in health-no-fail: add `triggers: [no-regression]` to it"
    ) in decision.notes
    assert (
        "health-no-fail: to waive it, a waiver (waivers.yaml) must name every health trigger"
        " that fired; not covered: `triggers: [no-regression]`"
    ) in decision.notes


def test_a_waiver_naming_its_trigger_covers_the_rule_and_the_trigger(tmp_path: Path) -> None:
    decision = decide(
        waivers_file(tmp_path, ("no-regression", ["no-regression"])), ["no-regression"]
    )
    assert outcome(decision, "no-regression").outcome == "waived"
    health = outcome(decision, "health-no-fail")
    assert health.outcome == "waived"
    assert "(waived: no-regression by the waiver of no-regression: accepted on purpose" in (
        health.message
    )
    assert decision.verdict == "warn"
    assert [w["rule"] for w in decision.waivers_used] == ["no-regression"]  # once
    assert "health-no-fail waived per health trigger: no-regression" in decision.notes
    facts = facts_for(BASELINE, {"facts": {"model": {"version": None}}})
    record = gate.record(decision, facts, "ci")
    assert record["waivers"][0]["triggers"] == ["no-regression"]


def test_every_trigger_that_fired_must_be_covered(tmp_path: Path) -> None:
    loaded = waivers_file(tmp_path, ("no-regression", ["no-regression"]))
    decision = decide(loaded, ["latency", "no-regression"])
    assert outcome(decision, "health-no-fail").outcome == "fail"
    assert not any(w["rule"] == "health-no-fail" for w in decision.waivers_used)
    assert decision.notes[-1].endswith("not covered: `triggers: [latency]`")


def test_a_waiver_of_health_no_fail_with_triggers_covers_those_only(tmp_path: Path) -> None:
    loaded = waivers_file(tmp_path, ("health-no-fail", ["latency"]))
    assert outcome(decide(loaded, ["dataset-drift", "latency"]), "health-no-fail").outcome == (
        "fail"
    )
    assert outcome(decide(loaded, ["latency"]), "health-no-fail").outcome == "waived"
    whole = waivers_file(tmp_path, ("health-no-fail", None))  # as before: the whole rule
    assert outcome(decide(whole, ["dataset-drift"]), "health-no-fail").outcome == "waived"


def test_health_that_did_not_run_is_not_waived_per_trigger(tmp_path: Path) -> None:
    loaded = waivers_file(tmp_path, ("health-no-fail", ["latency"]))
    assert outcome(decide(loaded, [], ran=False), "health-no-fail").outcome == "fail"


def test_a_trigger_waiver_the_change_adds_needs_the_governance_approval(tmp_path: Path) -> None:
    loaded = waivers_file(tmp_path, ("no-regression", ["no-regression"]))
    unapproved = decide(loaded, ["no-regression"], on_base=())
    assert outcome(unapproved, "health-no-fail").outcome == "fail"
    assert any(
        n.startswith("the waiver of no-regression for health trigger(s) no-regression does not")
        and "without an authenticated approval from Gov" in n
        for n in unapproved.notes
    )
    approved = decide(loaded, ["no-regression"], on_base=(), approvers=frozenset({GOV}))
    assert outcome(approved, "health-no-fail").outcome == "waived"


def test_widening_a_waiver_on_the_base_to_a_trigger_is_a_new_waiver(tmp_path: Path) -> None:
    (on_main,) = waivers_file(tmp_path, ("no-regression", None))
    widened = waivers_file(tmp_path, ("no-regression", ["no-regression"]))
    decision = decide(widened, ["no-regression"], on_base=(on_main.spec,))
    assert outcome(decision, "health-no-fail").outcome == "fail"
    assert outcome(decision, "no-regression").outcome == "fail"  # not the one on main


def test_a_trigger_id_that_is_not_one_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"waivers.yaml:7: waivers\[0\]\.triggers\[0\]: String"):
        waivers_file(tmp_path, ("no-regression", ["Not An Id"]))
