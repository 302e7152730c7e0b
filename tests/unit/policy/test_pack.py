"""Policy packs: every rule against its positive and negative fact sets; loading and bad input."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from o16n.errors import ConfigError
from o16n.policy import gate, pack, waivers
from tests.conftest import ROOT

PACKS = ROOT / "policies"
EXAMPLES = ROOT / "tests" / "examples" / "policies"
BASE_FACTS: dict[str, Any] = json.loads((EXAMPLES / "facts.json").read_text())
PACK_NAMES = sorted(p.name for p in PACKS.iterdir() if (p / pack.PACK_FILE).is_file())


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value)
        return merged
    return copy.deepcopy(over)


def facts_for(loaded: pack.Pack, example: dict[str, Any]) -> dict[str, Any]:
    facts = _merge(BASE_FACTS, example.get("facts") or {})
    facts["stage"] = example.get("stage", "pr")
    facts["env"] = example.get("env")
    facts["vars"] = _merge(loaded.vars, example.get("vars") or {})
    return facts


def _examples() -> list[tuple[str, str, Path]]:
    cases = []
    for name in PACK_NAMES:
        for rule in pack.load(PACKS / name).rules:
            folder = EXAMPLES / rule.file.parent.name / rule.id
            for path in sorted(folder.glob("*/*.yaml")):
                cases.append((name, rule.id, path))
    return cases


@pytest.mark.parametrize("pack_name", PACK_NAMES)
def test_every_rule_has_positive_and_negative_examples(pack_name: str) -> None:
    for rule in pack.load(PACKS / pack_name).rules:
        folder = EXAMPLES / rule.file.parent.name / rule.id
        for kind in ("positive", "negative"):
            assert list((folder / kind).glob("*.yaml")), f"{rule.id}: no {kind} example in {folder}"


@pytest.mark.parametrize(
    ("pack_name", "rule_id", "path"),
    _examples(),
    ids=lambda v: v if isinstance(v, str) else f"{v.parent.name}/{v.stem}",
)
def test_rule_examples(pack_name: str, rule_id: str, path: Path) -> None:
    loaded = pack.load(PACKS / pack_name)
    facts = facts_for(loaded, yaml.safe_load(path.read_text()) or {})
    pack.check_references(loaded, facts)
    decision = gate.evaluate(loaded, facts)
    outcome = next(o for o in decision.outcomes if o.id == rule_id)
    rule = loaded.rule(rule_id)
    assert rule is not None
    expected = "pass" if path.parent.name == "positive" else rule.spec.severity
    assert outcome.outcome == expected, outcome


@pytest.mark.parametrize("pack_name", PACK_NAMES)
def test_base_facts_pass_every_pr_rule(pack_name: str) -> None:
    loaded = pack.load(PACKS / pack_name)
    decision = gate.evaluate(loaded, facts_for(loaded, {}))
    assert [o.id for o in decision.outcomes if o.outcome != "pass"] == []
    assert decision.verdict == "pass"


def test_regulated_extends_baseline() -> None:
    baseline, regulated = pack.load(PACKS / "baseline"), pack.load(PACKS / "regulated")
    assert {r.id for r in baseline.rules} < {r.id for r in regulated.rules}
    assert regulated.vars["min_approvals"] == 2
    assert regulated.vars["regression"] == baseline.vars["regression"]
    assert set(baseline.required_sections) < set(regulated.required_sections)
    draft = regulated.rule("model-card-draft")
    assert draft is not None and draft.spec.severity == "fail"  # replaced by id
    assert regulated.hash != baseline.hash


def test_deploy_rules_follow_the_environment() -> None:
    regulated = pack.load(PACKS / "regulated")
    example = {
        "stage": "deploy",
        "env": "staging",
        "facts": {"review": {"approvals": 0, "approvers": []}},
    }
    staging = gate.evaluate(regulated, facts_for(regulated, example))
    assert "two-independent-approvals" not in [o.id for o in staging.outcomes]
    production = gate.evaluate(regulated, facts_for(regulated, {**example, "env": "production"}))
    approvals = next(o for o in production.outcomes if o.id == "two-independent-approvals")
    assert approvals.outcome == "fail"
    assert approvals.detail == "0 independent approval(s):  (author: dev@example.com)"


def test_explain_names_what_failed() -> None:
    baseline = pack.load(PACKS / "baseline")
    facts = facts_for(baseline, {"vars": {"metric_floors": {"roc_auc": 0.999, "brier": 0.1}}})
    outcome = next(o for o in gate.evaluate(baseline, facts).outcomes if o.id == "metric-floors")
    assert outcome.outcome == "fail"
    assert outcome.detail == "[roc_auc = 0.997694 (floor 0.999), brier is missing (floor 0.1)]"


# ---- loading: bad packs are config errors that say where -----------------------------------


def write_pack(root: Path, body: str, name: str = "custom") -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / pack.PACK_FILE).write_text(f"version: 1\nname: {name}\n" + body)
    return folder


RULE = """rules:
  - id: floor
    description: a floor
    stages: [pr]
    severity: fail
    message: too low
    condition: >-
      metrics.accuracy >=
        = 0.9
"""


def test_cel_syntax_error_names_rule_file_line_and_caret(tmp_path: Path) -> None:
    folder = write_pack(tmp_path, RULE)
    with pytest.raises(ConfigError) as caught:
        pack.load(folder)
    text = str(caught.value)
    assert text.startswith(f"{folder / 'pack.yaml'}:11: rules[0].condition: rule 'floor': ")
    assert "CEL syntax error in `condition` at column 3:\n      = 0.9\n      ^" in text


def test_unknown_fact_is_a_config_error_when_the_pack_loads(tmp_path: Path) -> None:
    folder = write_pack(
        tmp_path, RULE.replace(">=\n        = 0.9", ">= 0.9 && metrics.acuracy > 0.0")
    )
    loaded = pack.load(folder)
    with pytest.raises(ConfigError) as caught:
        pack.check_references(loaded, facts_for(loaded, {}))
    assert "rule 'floor' refers to `metrics.acuracy`, which does not exist" in str(caught.value)
    assert "(`metrics` has: accuracy, average_precision" in str(caught.value)
    assert f"{folder / 'pack.yaml'}:9: rules[0].condition" in str(caught.value)


def test_unknown_fact_in_an_explanation_names_its_key_and_line(tmp_path: Path) -> None:
    text = RULE.replace(">=\n        = 0.9", ">= 0.9") + "    explain: string(metrics.acc)\n"
    folder = write_pack(tmp_path, text)
    loaded = pack.load(folder)
    with pytest.raises(ConfigError) as caught:
        pack.check_references(loaded, facts_for(loaded, {}))
    assert f"{folder / 'pack.yaml'}:11: rules[0].explain: rule 'floor' refers to `metrics.acc`" in (
        str(caught.value)
    )


def test_unknown_root_and_guarded_optional_facts(tmp_path: Path) -> None:
    folder = write_pack(tmp_path, RULE.replace(">=\n        = 0.9", "> 0.0 || metric.x > 0.0"))
    loaded = pack.load(folder)
    with pytest.raises(ConfigError, match=r"refers to `metric`, which is not a fact \(facts: "):
        pack.check_references(loaded, facts_for(loaded, {}))
    guarded = write_pack(
        tmp_path, RULE.replace(">=\n        = 0.9", "> 0.0 || has(params.new)"), "g"
    )
    loaded = pack.load(guarded)
    pack.check_references(loaded, facts_for(loaded, {}))  # has() may name an absent key


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "rules:\n  - id: a\n    description: d\n    stages: [merge]\n    condition: 'true'\n"
            "    severity: fail\n    message: m\n",
            ":6: rules[0].stages[0]: Input should be 'pr', 'deploy' or 'revalidate'",
        ),
        (
            "rules:\n  - id: a\n    description: d\n    stages: [pr]\n    condition: 'true'\n"
            "    severity: fatal\n    message: m\n",
            ":8: rules[0].severity: Input should be 'warn' or 'fail'",
        ),
        (
            "rules:\n  - id: a\n    description: d\n    stages: [pr]\n    condition: 'true'\n"
            "    severity: fail\n    message: m\n    owner: me\n",
            ":10: rules[0].owner: Extra inputs",
        ),
        (
            "rules:\n  - id: a\n    description: d\n    stages: [pr]\n    severity: fail\n"
            "    message: m\n",
            ":4: rules[0].condition: Field required",
        ),
        (
            "rules:\n" + "  - {id: a, description: d, stages: [pr], condition: 'true',"
            " severity: fail, message: m}\n" * 2,
            ":5: rules[1].id: rule id 'a' appears twice",
        ),
        (
            "extends: nowhere\n",
            ":3: extends: extends 'nowhere', which is not a pack beside this one",
        ),
    ],
    ids=["stage", "severity", "unknown-key", "no-condition", "duplicate-id", "extends"],
)
def test_bad_packs(tmp_path: Path, body: str, expected: str) -> None:
    folder = write_pack(tmp_path, body)
    with pytest.raises(ConfigError) as caught:
        pack.load(folder)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(folder / "pack.yaml"))


def test_folder_and_name_must_agree(tmp_path: Path) -> None:
    folder = write_pack(tmp_path, "", name="custom")
    (folder / pack.PACK_FILE).write_text("version: 1\nname: other\n")
    with pytest.raises(ConfigError, match="named 'other' but lives in folder 'custom'"):
        pack.load(folder)


# ---- evaluation fails closed ----------------------------------------------------------------


def test_a_rule_that_cannot_be_evaluated_fails_closed_and_cannot_be_waived(tmp_path: Path) -> None:
    folder = write_pack(
        tmp_path,
        "rules:\n  - {id: typed, description: d, stages: [pr], severity: warn, message: m,"
        ' condition: \'metrics["acc" + "uracy2"] > 0.5\'}\n',
    )
    loaded = pack.load(folder)
    facts = facts_for(loaded, {})
    facts["waivers"] = [
        {
            "rule": "typed",
            "active": True,
            "applies": True,
            "reason": "r",
            "approved_by": "a",
            "expires": "2027-01-01",
        }
    ]
    decision = gate.evaluate(loaded, facts)
    (outcome,) = decision.outcomes
    assert outcome.outcome == "error"
    assert outcome.message == "could not evaluate: no such key"
    assert decision.verdict == "fail" and not decision.waivers_used


# ---- waivers ----------------------------------------------------------------------------------


def test_waived_failure_is_a_recorded_warning_and_expired_one_is_not(tmp_path: Path) -> None:
    (tmp_path / "waivers.yaml").write_text(
        "version: 1\nwaivers:\n"
        "  - rule: no-regression\n    reason: recall traded for precision, agreed with risk\n"
        "    approved_by: Gov <gov@example.com>\n    expires: 2026-12-31\n"
    )
    baseline = pack.load(PACKS / "baseline")
    loaded = waivers.load(tmp_path, [r.id for r in baseline.rules])
    regressed = {"facts": {"metrics": {"roc_auc": 0.95}}}
    for today, expected in ((dt.date(2026, 12, 31), "waived"), (dt.date(2027, 1, 1), "fail")):
        facts = facts_for(baseline, regressed)
        on_main = waivers.Vouching(None, frozenset(), frozenset(), frozenset({"gov@example.com"}))
        facts["waivers"] = waivers.facts(loaded, today, on_main)
        decision = gate.evaluate(baseline, facts)
        outcome = next(o for o in decision.outcomes if o.id == "no-regression")
        assert outcome.outcome == expected
        if expected == "waived":
            assert decision.verdict == "warn"
            assert [w["rule"] for w in decision.waivers_used] == ["no-regression"]
            assert "approved by Gov <gov@example.com> until 2026-12-31" in outcome.message
        else:
            assert decision.verdict == "fail" and not decision.waivers_used
            assert decision.notes == (
                "the waiver for no-regression does not apply: expired on 2026-12-31; "
                "renew it in waivers.yaml (with an approver) or fix the cause",
            )


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            "  - rule: no-regression\n    reason: long enough reason\n"
            "    approved_by: Gov <g@x.io>\n",
            ":3: waivers[0].expires: Field required",
        ),
        (
            "  - rule: no-regression\n    reason: long enough reason\n    expires: 2026-12-31\n",
            ":3: waivers[0].approved_by: Field required",
        ),
        (
            "  - rule: no-regresion\n    reason: long enough reason\n"
            "    approved_by: Gov <g@x.io>\n"
            "    expires: 2026-12-31\n",
            ":3: waivers[0].rule: waives rule 'no-regresion', which",
        ),
        (
            "  - rule: no-regression\n    reason: long enough reason\n"
            "    approved_by: Gov <g@x.io>\n"
            "    expires: next week\n",
            ":6: waivers[0].expires: Input should be a valid date",
        ),
        (
            "  - rule: no-regression\n    reason: ok\n"
            "    approved_by: Gov <g@x.io>\n"
            "    expires: 2026-12-31\n",
            ":4: waivers[0].reason: String should have at least 10",
        ),
    ],
    ids=["no-expiry", "no-approver", "unknown-rule", "bad-date", "short-reason"],
)
def test_bad_waivers(tmp_path: Path, entry: str, expected: str) -> None:
    (tmp_path / "waivers.yaml").write_text("version: 1\nwaivers:\n" + entry)
    rule_ids = [r.id for r in pack.load(PACKS / "baseline").rules]
    with pytest.raises(ConfigError) as caught:
        waivers.load(tmp_path, rule_ids)
    assert expected in str(caught.value)


def test_install_copies_the_pack_and_what_it_extends(tmp_path: Path) -> None:
    pack.install("regulated", tmp_path / "policies")
    assert sorted(p.name for p in (tmp_path / "policies").iterdir()) == ["baseline", "regulated"]
    installed = pack.load(tmp_path / "policies" / "regulated")
    assert installed.hash == pack.load(PACKS / "regulated").hash
    with pytest.raises(ConfigError, match=r"no policy pack 'strict'"):
        pack.install("strict", tmp_path / "other")


def test_project_vars_override_the_pack(tmp_path: Path) -> None:
    pack.install("baseline", tmp_path / "policies")
    (tmp_path / "o16n.yaml").write_text(
        "version: 1\nmodel: m\npolicy_vars:\n  metric_floors: {roc_auc: 0.9}\n"
        "  regression: {tolerance: 0.05}\n"
    )
    from o16n.config.project import load_project

    loaded = pack.for_project(tmp_path, load_project(tmp_path))
    assert loaded.vars["metric_floors"] == {"roc_auc": 0.9}
    assert loaded.vars["regression"]["tolerance"] == 0.05
    assert loaded.vars["regression"]["lower_is_better"] == ["mae", "rmse", "mse"]
    assert dataclasses.replace(loaded, vars={}).rules == loaded.rules


@pytest.mark.parametrize(
    ("policy_vars", "expected"),
    [
        (
            "  kpi_tolerance: '0.5'\n",
            ":4: policy_vars.kpi_tolerance: must be a number, not the text '0.5'\n"
            "  hint: remove the quotes",
        ),
        (
            '  regression:\n    higher_is_better: [auc]\n    tolerance: "0.05"\n',
            ":6: policy_vars.regression.tolerance: must be a number, not the text '0.05'",
        ),
        (
            "  regression: {tolerance: true}\n",
            ":4: policy_vars.regression.tolerance: must be a number, not the boolean true",
        ),
        (  # no default names roc_auc, but a quoted number is never a floor
            '  metric_floors:\n    roc_auc: "0.9"\n',
            ":5: policy_vars.metric_floors.roc_auc: must be a number, not the text '0.9'",
        ),
        (
            "  metric_floors: 0.9\n",
            ":4: policy_vars.metric_floors: must be a mapping, not the number 0.9\n"
            "  hint: the pack's default is {}",
        ),
        (
            "  regression: {lower_is_better: mae}\n",
            ":4: policy_vars.regression.lower_is_better: must be a list, not the text 'mae'",
        ),
        (  # a misspelt var would be ignored, and the pack's default would judge instead
            "  metric_flors: {roc_auc: 0.99}\n",
            ":4: policy_vars.metric_flors: the pack has no such var\n"
            "  hint: the pack's vars here: kpi_tolerance, metric_ceilings, metric_floors",
        ),
        (
            "  regression: {tolerence: 0.05}\n",
            ":4: policy_vars.regression.tolerence: the pack has no such var\n"
            "  hint: the pack's vars here: error_tolerance, higher_is_better",
        ),
    ],
)
def test_a_policy_var_of_another_kind_than_the_packs_names_key_and_line(
    tmp_path: Path, policy_vars: str, expected: str
) -> None:
    from o16n.config.project import load_project

    pack.install("baseline", tmp_path / "policies")
    (tmp_path / "o16n.yaml").write_text("version: 1\nmodel: m\npolicy_vars:\n" + policy_vars)
    with pytest.raises(ConfigError) as caught:
        pack.for_project(tmp_path, load_project(tmp_path))
    assert str(caught.value).startswith(f"{tmp_path / 'o16n.yaml'}{expected}")


def test_policy_vars_keep_their_meaning_in_every_numeric_spelling(tmp_path: Path) -> None:
    """Integers for floats, exponents (YAML 1.2's `1e-3`, which PyYAML alone reads as text)."""
    from o16n.config.project import load_project

    pack.install("baseline", tmp_path / "policies")
    (tmp_path / "o16n.yaml").write_text(
        "version: 1\nmodel: m\npolicy_vars:\n  kpi_tolerance: 1\n"
        "  regression: {tolerance: 1e-3, error_tolerance: 5.0E-2}\n  metric_floors: {r2: .3}\n"
    )
    loaded = pack.for_project(tmp_path, load_project(tmp_path))
    assert loaded.vars["kpi_tolerance"] == 1
    assert loaded.vars["regression"]["tolerance"] == 0.001
    assert loaded.vars["regression"]["error_tolerance"] == 0.05
    assert loaded.vars["metric_floors"] == {"r2": 0.3}


@pytest.mark.parametrize("pack_name", PACK_NAMES)
def test_shipped_packs_validate_against_the_shipped_schema(pack_name: str) -> None:
    import jsonschema

    from o16n.config.schemas import schema_path

    schema = json.loads(schema_path("policy_pack").read_text())
    jsonschema.validate(yaml.safe_load((PACKS / pack_name / pack.PACK_FILE).read_text()), schema)
    with pytest.raises(jsonschema.ValidationError, match="'merge' is not one of"):
        jsonschema.validate({"name": "x", "rules": [{"id": "a", "description": "d",
                             "stages": ["merge"], "condition": "true", "severity": "fail",
                             "message": "m"}]}, schema)  # fmt: skip
