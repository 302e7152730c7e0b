"""policy.facts.assemble on small real git repositories: the document's shape, whatever the project
has, and each section from its source (metrics, params and their diff, changes, lineage)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from o16n import __version__
from o16n.adapters.dvc import lineage
from o16n.config.project import ProjectConfig
from o16n.errors import ConfigError
from o16n.health.kpi import KPIResult
from o16n.policy import document, pack
from o16n.policy.facts import Sources, assemble
from o16n.policy.governance import Governance
from o16n.policy.review import CodeOwners
from tests.pipeline_repo import commit_pipeline, make_repo
from tests.pipeline_repo import git as sh
from tests.unit.report.sample import sample_report

TODAY = dt.date(2026, 11, 23)
DATA, MODEL = "1" * 32, "2" * 32
CONFIG = ProjectConfig(model="credit-risk-model", environments=["staging", "production"])
SECTIONS: dict[str, Any] = {
    "o16n": document.O16nFacts,
    "model": document.ModelFacts,
    "baseline": document.BaselineFacts,
    "data": document.DataFacts,
    "health": document.HealthFacts,
    "kpis": document.KPIFacts,
    "lineage": document.LineageFacts,
    "changes": document.ChangesFacts,
    "review": document.ReviewFacts,
    "pack": document.PackFacts,
    "model_card": document.ModelCardFacts,
}


@pytest.fixture(scope="module")
def baseline() -> pack.Pack:
    return pack.load(pack.builtin_packs() / "baseline")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """main: one commit of params.yaml and metrics.json."""
    path = make_repo(tmp_path / "repo")
    write(path, "params.yaml", "train:\n  C: 1.0\n  max_iter: 100\n")
    write(path, "metrics.json", json.dumps({"accuracy": 0.9}))
    commit(path, "start")
    return path


def write(repo: Path, rel: str, text: str) -> None:
    (repo / rel).parent.mkdir(parents=True, exist_ok=True)
    (repo / rel).write_text(text)


def commit(repo: Path, message: str) -> str:
    sh(repo, "add", "-A")
    sh(repo, "commit", "-q", "-m", message)
    return sh(repo, "rev-parse", "HEAD")


def rules(baseline: pack.Pack) -> Governance:
    """The pack and settings in force, with no waivers, CODEOWNERS or signers."""
    return Governance("checkout", None, CONFIG, baseline, (), CodeOwners((), None), None)


def facts_of(
    repo: Path, baseline: pack.Pack, base: str | None = None, **sources: Any
) -> document.Facts:
    given = Sources(**({"reproduced": True} | sources))
    return assemble(
        repo, rules(baseline), stage="pr", env=None, base=base, today=TODAY, sources=given
    )


# ---- shape -------------------------------------------------------------------------------------


def test_every_key_is_present_without_health_kpis_or_model_card(
    repo: Path, baseline: pack.Pack
) -> None:
    facts = facts_of(repo, baseline, base="main")
    assert set(facts) == set(document.Facts.__annotations__)
    sections: dict[str, Any] = dict(facts)
    for name, section in SECTIONS.items():
        assert set(sections[name]) == set(section.__annotations__), name
    assert facts["lineage"]["reproduced"] is True


def test_absent_parts_are_described_as_absent(repo: Path, baseline: pack.Pack) -> None:
    facts = facts_of(repo, baseline)
    assert facts["health"]["ran"] is False and facts["health"]["verdict"] == "none"
    assert facts["health"]["counts"] == {"ok": 0, "warn": 0, "fail": 0}
    assert facts["kpis"]["configured"] is False and facts["kpis"]["value_per_1000"] is None
    assert facts["baseline"] == {"available": False, "revision": "", "commit": "", "metrics": {}}
    assert facts["waivers"] == []
    required = list(baseline.required_sections)
    assert required  # the baseline pack requires sections, so an absent card is incomplete
    assert facts["model_card"] == {
        "present": False,
        "complete": False,
        "required": required,
        "missing": required,
        "sections": {},
    }


def test_the_document_is_plain_json(repo: Path, baseline: pack.Pack) -> None:
    facts = facts_of(repo, baseline, base="main")
    assert json.loads(json.dumps(facts)) == facts


def test_the_change_is_described_by_stage_env_day_model_and_commit(
    repo: Path, baseline: pack.Pack
) -> None:
    facts = assemble(
        repo,
        rules(baseline),
        stage="deploy",
        env="staging",
        base=None,
        today=TODAY,
        sources=Sources(reproduced=True),
    )
    assert (facts["stage"], facts["env"], facts["today"]) == ("deploy", "staging", "2026-11-23")
    assert facts["o16n"] == {"version": __version__}
    assert facts["model"] == {
        "name": "credit-risk-model",
        "version": None,
        "environments": ["staging", "production"],
    }
    assert facts["commit"] == sh(repo, "rev-parse", "HEAD")
    assert facts["pack"] == {"name": "baseline", "hash": baseline.hash}
    assert facts["vars"] == baseline.vars


# ---- metrics and params ------------------------------------------------------------------------


def test_metrics_are_flattened_and_numbers_are_floats(repo: Path, baseline: pack.Pack) -> None:
    metrics = {"accuracy": 1, "test": {"roc_auc": 0.93, "n": 400}, "ok": True, "name": "lr"}
    write(repo, "metrics.json", json.dumps(metrics))
    facts = facts_of(repo, baseline)
    assert facts["metrics"] == {"accuracy": 1.0, "test.roc_auc": 0.93, "test.n": 400.0}
    assert all(type(value) is float for value in facts["metrics"].values())


def test_invalid_metrics_json_is_a_config_error_with_file_and_line(
    repo: Path, baseline: pack.Pack
) -> None:
    write(repo, "metrics.json", '{\n  "accuracy": 0.9,\n}\n')
    with pytest.raises(ConfigError, match=r"^metrics.json:3: invalid JSON") as caught:
        facts_of(repo, baseline)
    assert (caught.value.file, caught.value.line) == ("metrics.json", 3)


def test_no_metrics_file_gives_no_metrics(repo: Path, baseline: pack.Pack) -> None:
    (repo / "metrics.json").unlink()
    assert facts_of(repo, baseline)["metrics"] == {}


def test_the_baseline_is_the_base_commits_metrics(repo: Path, baseline: pack.Pack) -> None:
    base = sh(repo, "rev-parse", "HEAD")
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "metrics.json", json.dumps({"accuracy": 0.95, "test": {"f1": 1}}))
    commit(repo, "better")
    facts = facts_of(repo, baseline, base="main")
    assert facts["metrics"] == {"accuracy": 0.95, "test.f1": 1.0}
    assert facts["baseline"] == {
        "available": True,
        "revision": "main",
        "commit": base,
        "metrics": {"accuracy": 0.9},
    }


def test_params_diff_lists_what_changed_since_the_base(repo: Path, baseline: pack.Pack) -> None:
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "params.yaml", "train:\n  C: 0.5\n  max_iter: 100\n  seed: 7\n")
    commit(repo, "tune")
    facts = facts_of(repo, baseline, base="main")
    assert facts["params"] == {"train": {"C": 0.5, "max_iter": 100, "seed": 7}}
    assert facts["params_diff"] == {
        "train.C": {"old": 1.0, "new": 0.5},
        "train.seed": {"old": None, "new": 7},
    }


def test_a_removed_param_is_in_the_diff_with_no_new_value(repo: Path, baseline: pack.Pack) -> None:
    write(repo, "params.yaml", "train:\n  C: 1.0\n")  # uncommitted: the work tree is judged
    facts = facts_of(repo, baseline, base="main")
    assert facts["params_diff"] == {"train.max_iter": {"old": 100, "new": None}}


def test_no_base_no_params_diff(repo: Path, baseline: pack.Pack) -> None:
    write(repo, "params.yaml", "train:\n  C: 2.0\n")
    facts = facts_of(repo, baseline)
    assert facts["params"] == {"train": {"C": 2.0}}
    assert facts["params_diff"] == {}


# ---- changes -----------------------------------------------------------------------------------


def test_changes_are_the_files_changed_since_the_merge_base(
    repo: Path, baseline: pack.Pack
) -> None:
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "src/model/train.py", "print('train')\n")
    commit(repo, "train code")
    sh(repo, "switch", "-q", "main")
    write(repo, "README.md", "only on main\n")
    commit(repo, "main moved on")
    sh(repo, "switch", "-q", "change")
    write(repo, "params.yaml", "train:\n  C: 3.0\n")  # modified, not committed
    write(repo, "notes.md", "draft\n")  # untracked
    facts = facts_of(repo, baseline, base="main")
    files = ["notes.md", "params.yaml", "src/model/train.py"]
    assert facts["changes"] == {"files": files, "count": 3}


def test_ignored_files_are_not_changes(repo: Path, baseline: pack.Pack) -> None:
    write(repo, ".gitignore", "reports/\n")
    commit(repo, "ignore reports")
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "reports/check.md", "report\n")
    assert facts_of(repo, baseline, base="main")["changes"] == {"files": [], "count": 0}


def test_without_a_base_every_tracked_file_is_a_change(repo: Path, baseline: pack.Pack) -> None:
    facts = facts_of(repo, baseline)
    assert facts["changes"] == {"files": ["metrics.json", "params.yaml"], "count": 2}


def test_without_a_base_the_changes_are_the_tracked_files(repo: Path, baseline: pack.Pack) -> None:
    write(repo, "untracked.txt", "not in git\n")
    files = facts_of(repo, baseline)["changes"]["files"]
    assert files == ["metrics.json", "params.yaml"]


def test_a_missing_base_revision_is_a_config_error_naming_it(
    repo: Path, baseline: pack.Pack
) -> None:
    with pytest.raises(ConfigError) as caught:
        facts_of(repo, baseline, base="origin/main")
    assert caught.value.message == "base revision 'origin/main' not found"
    assert "fetch-depth: 0" in (caught.value.hint or "")


# ---- lineage -----------------------------------------------------------------------------------


def test_lineage_comes_from_the_work_trees_dvc_lock(repo: Path, baseline: pack.Pack) -> None:
    commit_pipeline(repo, data=DATA, model=MODEL, c=0.5)
    found = lineage.of_project(repo)
    facts = facts_of(repo, baseline)
    assert facts["lineage"] == {
        "outs": {"data/raw/dataset.csv": DATA, "models/model.joblib": MODEL},
        "data": {"data/raw/dataset.csv": DATA},
        "model": {"models/model.joblib": MODEL},
        "params_hash": found.params_hash,
        "reproduced": True,
    }


def test_without_dvc_lock_the_lineage_is_empty(repo: Path, baseline: pack.Pack) -> None:
    facts = facts_of(repo, baseline, reproduced=False)
    assert facts["lineage"] == {
        "outs": {},
        "data": {},
        "model": {},
        "params_hash": lineage.digest({}),
        "reproduced": False,
    }


def test_an_uncommitted_dvc_lock_is_not_reproduced(repo: Path, baseline: pack.Pack) -> None:
    commit_pipeline(repo, data=DATA, model=MODEL)
    (repo / "dvc.lock").write_text((repo / "dvc.lock").read_text().replace(MODEL, "9" * 32))
    facts = assemble(repo, rules(baseline), stage="pr", env=None, base=None, today=TODAY)
    assert facts["lineage"]["reproduced"] is False


def test_a_dvc_status_that_fails_is_not_reproduced_and_noted(
    repo: Path, baseline: pack.Pack
) -> None:
    commit_pipeline(repo, data=DATA, model=MODEL)  # committed, but this is no DVC repository
    sources = Sources()
    facts = assemble(
        repo, rules(baseline), stage="pr", env=None, base=None, today=TODAY, sources=sources
    )
    assert facts["lineage"]["reproduced"] is False
    assert len(sources.notes) == 1 and sources.notes[0].startswith("`dvc status` failed:")


# ---- results o16n already has ------------------------------------------------------------------


def test_a_health_report_given_is_summarised(repo: Path, baseline: pack.Pack) -> None:
    health = facts_of(repo, baseline, health=sample_report())["health"]
    assert health == {
        "ran": True,
        "verdict": "fail",
        "counts": {"ok": 2, "warn": 2, "fail": 2},
        "fail": ["dataset_drift", "no_regression"],
        "warn": ["city_new", "column_drift"],
        "checks": sorted(
            {"missing_share", "dataset_drift", "column_drift", "regression", "latency"}
            | {"new_categories"}
        ),
        "drifted_columns": ["city", "income", "tenure"],
        "dataset_drift_share": 0.5,
    }


def test_kpis_given_are_the_kpi_facts(repo: Path, baseline: pack.Pack) -> None:
    current = KPIResult("net value", "EUR", 120.0, 0.5, 130.0, 0.4)
    base = KPIResult("net value", "EUR", 100.0, 0.5)
    kpis = facts_of(repo, baseline, kpis=(current, base))["kpis"]
    assert kpis == {
        "configured": True,
        "name": "net value",
        "unit": "EUR",
        "value_per_1000": 120.0,
        "threshold": 0.5,
        "best_value_per_1000": 130.0,
        "best_threshold": 0.4,
        "baseline_available": True,
        "baseline_value_per_1000": 100.0,
        "values_set": True,
        "warning": "",
    }
    alone = facts_of(repo, baseline, kpis=(current, None))["kpis"]
    assert alone["baseline_available"] is False and alone["baseline_value_per_1000"] is None


def test_kpi_values_not_set_are_said_with_the_file_and_keys(
    repo: Path, baseline: pack.Pack
) -> None:
    unset = ("kpi.cost_per_unit_under", "kpi.cost_per_unit_over")
    current = KPIResult("cost of error", "EUR", 0.0, unset=unset)
    kpis = facts_of(repo, baseline, kpis=(current, current))["kpis"]
    assert kpis["values_set"] is False
    assert kpis["warning"].startswith(
        "the KPI values in kpis.yaml are not set (kpi.cost_per_unit_under, "
        "kpi.cost_per_unit_over are all 0): a person must set"
    )


# ---- data: did what the model learns from change since the base? -----------------------------

PENGUINS = "data:\n  target: sex\n  positive: male\n  numeric: [bill]\n  categorical: [island]\n"


def test_data_facts_without_a_base_say_nothing_changed(repo: Path, baseline: pack.Pack) -> None:
    assert facts_of(repo, baseline)["data"] == {"changed": False, "changes": [], "basis": ""}


def test_a_new_target_in_the_checkout_is_a_data_change(repo: Path, baseline: pack.Pack) -> None:
    write(repo, "params.yaml", PENGUINS)
    commit(repo, "declare the data")
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "params.yaml", PENGUINS.replace("sex", "species").replace("[bill]", "[bill, mass]"))
    data = facts_of(repo, baseline, base="main")["data"]  # uncommitted: the checkout judged
    assert data == {
        "changed": True,
        "changes": ["target: sex -> species", "columns added: mass"],
        "basis": "params.yaml data",
    }


def test_new_rows_at_another_source_are_no_data_change(repo: Path, baseline: pack.Pack) -> None:
    write(repo, "params.yaml", PENGUINS + "  source: data/a.csv\n")
    commit(repo, "declare the data")
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "params.yaml", PENGUINS + "  source: data/b.csv\n  drop: [year]\n")
    commit(repo, "more rows")
    data = facts_of(repo, baseline, base="main")["data"]
    assert (data["changed"], data["changes"]) == (False, [])


def test_a_base_without_a_data_section_compares_by_default(repo: Path, baseline: pack.Pack) -> None:
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "params.yaml", PENGUINS)
    commit(repo, "bring my table")
    data = facts_of(repo, baseline, base="main")["data"]
    assert data == {"changed": False, "changes": [], "basis": ""}  # no profile either side


def test_review_facts_from_git_name_the_author(repo: Path, baseline: pack.Pack) -> None:
    sh(repo, "switch", "-q", "-c", "change")
    write(repo, "params.yaml", "train:\n  C: 0.1\n")
    commit(repo, "tune\n\nApproved-by: Ann Lee <Ann@Example.com>")
    review = facts_of(repo, baseline, base="main")["review"]
    assert review["provider"] == "git"
    assert review["author"] == "author@example.com"  # conftest's GIT_AUTHOR_EMAIL
    assert review["approvers"] == [] and review["approvals"] == 0  # a trailer is not a signature
    assert review["not_counted"][0]["who"] == "ann@example.com"


def test_review_facts_given_are_used_as_they_are(repo: Path, baseline: pack.Pack) -> None:
    given = facts_of(repo, baseline, base="main")["review"] | {"provider": "github"}
    assert facts_of(repo, baseline, base="main", review=given)["review"] is given
