"""`o16n evidence`: the auditor's zip over a real git repository with three releases (signed
with real ssh-keygen keys, registered with real GTO tags) and a signed ledger. The zip's index
and contents; the modifications between versions, each category found when it changed and
absent when not; an edited ledger record and a tampered release shown as failing, not as good;
bad input refused with nothing written."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from o16n.adapters import signing
from o16n.lifecycle import evidence, ledger, release
from tests.pipeline_repo import commit_pipeline, decision
from tests.pipeline_repo import git as sh
from tests.release_repo import MODEL, TRUSTED, load_key, make_project, o16n
from tests.signing import write_allowed_signers

NAMESPACES = f"{signing.LEDGER_NAMESPACE},{signing.RELEASE_NAMESPACE}"
PACK = """\
version: 1
name: baseline
description: The gate of these tests.
rules:
  - id: always
    description: Always passes.
    stages: [pr, deploy]
    condition: '{condition}'
    severity: fail
    message: never shown
"""
PARAMS = """\
data:
  source: data/source/credit.csv
  target: default
  positive: 'yes'
  numeric: [{numeric}]
  categorical: [region]
train:
  C: {c}
"""
HEALTH = """\
version: 1
triggers:
  - id: no-regression
    check: regression
    params:
      metrics: [accuracy]
      tolerance: {absolute: 0.02}
"""


def _files(project: Path, files: dict[str, str], message: str) -> None:
    for rel, text in files.items():
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(text)
    sh(project, "add", *files)
    sh(project, "commit", "-q", "-m", message)


def _release(
    project: Path,
    key: Path,
    *,
    payload: bytes,
    data: str,
    c: float,
    metrics: dict[str, float],
    kpi: float,
    date: str,
) -> tuple[str, str, dict[str, str]]:
    model = project / "models" / "model.joblib"
    model.parent.mkdir(exist_ok=True)
    model.write_bytes(payload)
    md5 = hashlib.md5(payload).hexdigest()
    commit = commit_pipeline(project, data=data, model=md5, c=c, metrics=metrics, date=date)
    reports = project / "reports"
    reports.mkdir(exist_ok=True)
    current = {"name": "net value", "unit": "EUR", "per_1000": kpi}
    (reports / "kpi.json").write_text(json.dumps({"current": current, "baseline": None}))
    plan = release.plan(project, MODEL)
    assert plan.version is not None
    release.release(project, plan, project / "releases", "# Model card\n", reports, load_key(key))
    outs = {"data/raw/dataset.csv": data, "models/model.joblib": md5}
    assert commit == plan.head
    return plan.version, commit, outs


PROMOTION: dict[str, Any] = {
    "from_env": "staging",
    "approvals": ["@ann"],
    "approved_via": {"@ann": "review"},
}


def _gates(project: Path, version: str, commit: str, outs: dict[str, str], pack: str) -> None:
    """The records of one version: its pull-request gate, a deploy to staging, a promotion to
    production with an approval."""
    common: dict[str, Any] = {"model": {"name": MODEL, "version": None}}
    pr = decision(commit, outs, **common)
    pr["inputs"]["policy_hash"] = pack
    ledger.append(project, pr)
    for env, promotion in (("staging", {}), ("production", PROMOTION)):
        record = decision(
            commit,
            outs,
            stage="deploy",
            env=env,
            action="deploy",
            model={"name": MODEL, "version": version},
            **promotion,
        )
        record["inputs"]["policy_hash"] = pack
        ledger.append(project, record)


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """v1.0.0; v2.0.0 (schema, data, params, metrics, KPI and pack changed); v2.0.1 (only the
    model's bytes changed)."""
    tmp = tmp_path_factory.mktemp("evidence")
    project, key = make_project(tmp)
    write_allowed_signers(project, [(TRUSTED, key, NAMESPACES)], commit="Trust for the ledger")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(signing.KEY_VARIABLE, str(key))
        _files(
            project,
            {
                "params.yaml": PARAMS.format(numeric="income", c=1.0),
                "policies/baseline/pack.yaml": PACK.format(condition="true"),
                "model_card.yaml": "model_details:\n  name: credit risk\n",
            },
            "Set up",
        )
        metrics = {"accuracy": 0.90, "f1": 0.80}
        v1, c1, o1 = _release(
            project, key, payload=b"m1", data="1" * 32, c=1.0, metrics=metrics, kpi=100.0,
            date="2026-11-20T10:00:00Z",
        )  # fmt: skip
        _gates(project, v1, c1, o1, "a" * 64)
        _files(
            project,
            {
                "params.yaml": PARAMS.format(numeric="income, age", c=2.0),
                "policies/baseline/pack.yaml": PACK.format(condition="1 == 1"),
                "health.yaml": HEALTH,
            },
            "New column, stricter pack",
        )
        metrics = {"accuracy": 0.91, "f1": 0.85}  # accuracy within health.yaml's 0.02
        v2, c2, o2 = _release(
            project, key, payload=b"m2", data="3" * 32, c=2.0, metrics=metrics, kpi=120.0,
            date="2026-11-21T10:00:00Z",
        )  # fmt: skip
        _gates(project, v2, c2, o2, "b" * 64)
        v3, c3, o3 = _release(
            project, key, payload=b"m3", data="3" * 32, c=2.0, metrics=metrics, kpi=120.0,
            date="2026-11-22T10:00:00Z",
        )  # fmt: skip
        _gates(project, v3, c3, o3, "b" * 64)
    assert (v1, v2, v3) == ("v1.0.0", "v2.0.0", "v2.0.1")
    return project


@pytest.fixture
def copy(repo: Path, tmp_path: Path) -> Path:
    """A copy of the repository to attack (its .git and the witness with it)."""
    target = tmp_path / MODEL
    shutil.copytree(repo, target, symlinks=True)
    return target


def _zip(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


# ---- the bundle ------------------------------------------------------------------------------


def test_the_zip_holds_the_card_release_records_and_an_annex_iv_index(repo: Path) -> None:
    out = repo.parent / "out.zip"
    code, output = o16n(repo, "evidence", "--version", "v2.0.0", "-o", out)
    assert code == 0, output
    files = _zip(out)
    for name in (
        "MODEL_CARD.md",
        "release/manifest.json",
        "release/manifest.json.sig",
        "release/verification.json",
        "release/reports/kpi.json",
        "release/metrics.json",
        "source/model_card.yaml",
        "source/params.yaml",
        "source/dvc.lock",
        "source/health.yaml",
        "source/policies/baseline/pack.yaml",
        "decisions/records.jsonl",
        "decisions/verification.json",
        "index.md",
        "index.html",
        "index.json",
    ):
        assert name in files, name
    assert "release/models/model.joblib" not in files  # the manifest lists its hash
    assert json.loads(files["release/verification.json"])["verified"] is True
    records = [json.loads(line) for line in files["decisions/records.jsonl"].splitlines()]
    assert [(r["stage"], r["env"]) for r in records] == [
        ("pr", None), ("deploy", "staging"), ("deploy", "production"),
    ]  # fmt: skip
    assert all(r["verified"] for r in json.loads(files["decisions/verification.json"])["records"])
    index = json.loads(files["index.json"])
    assert index["version"] == "v2.0.0" and index["release"]["verified"]
    annex = {s["number"]: s for s in index["sections"] if s["framework"] == "EU AI Act Annex IV"}
    assert sorted(annex, key=int) == [str(n) for n in range(1, 10)]
    assert "MODEL_CARD.md" in annex["1"]["files"]
    assert "source/policies/baseline/pack.yaml" in annex["5"]["files"]
    assert any("declaration of conformity" in m for m in annex["8"]["missing"])
    assert any("harmonised standards" in m for m in annex["7"]["missing"])
    assert any("--since" in m for m in annex["6"]["missing"])  # no comparison asked for
    assert any("no monitor report" in m for m in annex["9"]["missing"])
    sr = {s["number"] for s in index["sections"] if s["framework"] == "SR 11-7"}
    assert sr == {"development", "validation", "monitoring"}
    markdown = files["index.md"].decode()
    assert "## EU AI Act Annex IV" in markdown and "Regulation (EU) 2024/1689" in markdown
    assert "### 8. A copy of the EU declaration of conformity" in markdown
    html = files["index.html"].decode()
    assert "<script" not in html and "http" not in html.split("</style>")[1]
    assert "@ann (review)" in html and "promote from staging" in html
    ran = json.loads(files["decisions/deployments.json"])
    assert [(d["env"], d["action"], d["verified"]) for d in ran] == [
        ("staging", "deploy", True), ("production", "promote", True),
    ]  # fmt: skip
    assert "## Deployments of this version" in markdown


def test_the_default_name_and_the_monitoring_of_the_version(repo: Path, tmp_path: Path) -> None:
    monitor = tmp_path / "artifacts"
    monitor.mkdir()
    inputs = {"model": MODEL, "version": "v2.0.0", "env": "production", "batch": "b.csv"}
    (monitor / "monitor.json").write_text(json.dumps({"severity": "ok", "inputs": inputs}))
    (monitor / "monitor.md").write_text("# o16n monitor\n")
    other = {**inputs, "version": "v1.0.0"}
    (monitor / "old").mkdir()
    (monitor / "old" / "monitor.json").write_text(json.dumps({"inputs": other}))
    found = evidence.collect(repo, "v2.0.0", monitor=monitor)
    assert found.monitoring == ("monitoring/monitor.json",)
    assert "monitoring/monitor.md" in found.paths
    nine = next(s for s in found.sections if s.number == "9")
    assert "monitoring/monitor.json" in nine.files
    assert evidence.default_output(MODEL, "v2.0.0") == Path(f"evidence-{MODEL}@v2.0.0.zip")


# ---- modifications ---------------------------------------------------------------------------


def test_every_kind_of_modification_is_found_when_it_changed(repo: Path) -> None:
    found = evidence.collect(repo, "v2.0.0", since="v1.0.0").modifications
    assert found is not None and found.substantial
    assert {c.name for c in found.categories if c.changed} == {
        "input schema", "data", "params", "metrics", "KPI", "policy pack",
    }  # fmt: skip
    assert any("age" in c for c in found.category("input schema").changes)
    assert found.category("data").changes == (f"data/raw/dataset.csv: {'1' * 12} → {'3' * 12}",)
    assert found.category("params").changes == ("train.C: 1.0 → 2.0",)
    metrics = found.category("metrics")
    assert [c.split(":")[0] for c in metrics.changes] == ["f1"]  # accuracy is within 0.02
    assert "accuracy: absolute 0.02 (health.yaml trigger no-regression at v2.0.0)" in metrics.basis
    assert "others: absolute 0.01 (o16n's default" in metrics.basis
    assert found.category("KPI").changes == ("KPI (EUR): 100 → 120 (+20)",)
    pack = found.category("policy pack").changes
    assert "policies/baseline/pack.yaml: changed" in pack
    assert any(c.startswith("pack hash the gate recorded: aaaa") for c in pack)


def test_no_modification_is_listed_when_only_the_model_bytes_changed(repo: Path) -> None:
    found = evidence.collect(repo, "v2.0.1", since="v2.0.0").modifications
    assert found is not None and not found.substantial
    assert all(not c.changes for c in found.categories), found


def test_a_tolerance_given_applies_to_every_metric(repo: Path) -> None:
    found = evidence.collect(repo, "v2.0.0", since="v1.0.0", tolerance=0.001).modifications
    assert found is not None
    assert [c.split(":")[0] for c in found.category("metrics").changes] == ["accuracy", "f1"]
    assert "--tolerance" in found.category("metrics").basis
    wide = evidence.collect(repo, "v2.0.0", since="v1.0.0", tolerance=100).modifications
    assert wide is not None
    assert not wide.category("metrics").changed and not wide.category("KPI").changed


def test_since_prints_the_modifications_and_bundles_them(repo: Path) -> None:
    out = repo.parent / "since.zip"
    code, output = o16n(repo, "evidence", "--version", "v2.0.0", "--since", "v1.0.0", "-o", out)
    assert code == 0, output
    assert "v1.0.0 → v2.0.0: substantial modifications" in output
    assert "train.C: 1.0 → 2.0" in output
    files = _zip(out)
    assert "## Modifications from v1.0.0 to v2.0.0" in files["modifications.md"].decode()
    assert json.loads(files["modifications.json"])["substantial"] is True
    index = json.loads(files["index.json"])
    six = next(s for s in index["sections"] if s["number"] == "6")
    assert "modifications.md" in six["files"] and not six["missing"]


# ---- attacks ---------------------------------------------------------------------------------


def test_an_edited_ledger_record_is_marked_as_failing_not_as_good(copy: Path) -> None:
    path = copy / ledger.LEDGER
    lines = path.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    target = next(
        i for i, r in enumerate(records) if r["model"]["version"] == "v2.0.0" and r["env"]
    )
    records[target]["approvals"] = ["mallory@example.com (review)"]
    lines[target] = ledger.canonical(records[target])
    path.write_text("\n".join(lines) + "\n")
    out = copy.parent / "edited.zip"
    code, output = o16n(copy, "evidence", "--version", "v2.0.0", "-o", out)
    assert code == 1, output
    assert "do not" in output
    files = _zip(out)
    status = json.loads(files["decisions/verification.json"])["records"]
    edited = next(r for r in status if r["seq"] == records[target]["seq"])
    assert not edited["verified"]
    assert any("edited" in p for p in edited["problems"])
    ran = json.loads(files["decisions/deployments.json"])
    assert [d["verified"] for d in ran if d["seq"] == records[target]["seq"]] == [False]
    markdown = files["index.md"].decode()
    assert "1 DO NOT VERIFY" in markdown and "DOES NOT VERIFY" in markdown
    assert f"seq {records[target]['seq']}" in markdown  # named where it would be evidence
    html = files["index.html"].decode()
    assert '<tr class="fail">' in html and "checks failed" in html


def test_a_tampered_release_file_shows_as_a_failed_check(copy: Path) -> None:
    bundle = copy / "releases" / f"{MODEL}@v2.0.0"
    (bundle / "metrics.json").write_text('{"accuracy": 0.99}\n')
    found = evidence.collect(copy, "v2.0.0")
    assert not found.release.verified
    assert any("metrics.json" in p and "sha256" in p for p in found.release.problems)
    first = next(s for s in found.sections if s.number == "1")
    assert any("does NOT verify" in m for m in first.missing)
    out = copy.parent / "tampered.zip"
    code, output = o16n(copy, "evidence", "--version", "v2.0.0", "-o", out)
    assert code == 1 and "DOES NOT VERIFY" in output, output
    assert json.loads(_zip(out)["release/verification.json"])["verified"] is False


def test_a_version_without_a_bundle_says_so(copy: Path) -> None:
    shutil.rmtree(copy / "releases" / f"{MODEL}@v1.0.0")
    found = evidence.collect(copy, "v1.0.0")
    assert not found.release.verified
    assert len(found.release.problems) == 1
    assert found.release.problems[0].startswith(f"no signed release of {MODEL}@v1.0.0: no bundle")
    assert "MODEL_CARD.md" not in found.paths
    first = next(s for s in found.sections if s.number == "1")
    assert "source/model_card.yaml" in first.files


# ---- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (("--version", "v9.0.0"), "known versions: v1.0.0, v2.0.0, v2.0.1"),
        (("--version", "v1.0.0", "--since", "v2.0.0"), "--since v2.0.0 is not older"),
        (("--version", "v2.0.0", "--since", "v2.0.0"), "--since v2.0.0 is not older"),
        (("--version", "v2.0.0", "--since", "v0.1.0"), "--since v0.1.0: not a registered"),
        (("--version", "v2.0.0", "-o", "nowhere/e.zip"), "does not exist"),
        (("--version", "v2.0.0", "-o", "params.yaml"), "not a zip"),
        (("--version", "v2.0.0", "--tolerance", "-1"), "--tolerance"),
    ],
)
def test_bad_input_exits_2_naming_the_flag_and_writes_nothing(
    repo: Path, args: tuple[str, ...], said: str
) -> None:
    before = sorted(p.name for p in repo.iterdir())
    params = (repo / "params.yaml").read_bytes()
    code, output = o16n(repo, "evidence", *args)
    assert code == 2, output
    assert said in output
    assert sorted(p.name for p in repo.iterdir()) == before
    assert (repo / "params.yaml").read_bytes() == params


def test_a_failure_while_writing_leaves_no_zip(tmp_path: Path) -> None:
    out = tmp_path / "e.zip"
    with pytest.raises(ZeroDivisionError):
        evidence.write_zip(out, _Exploding())  # type: ignore[arg-type]
    assert list(tmp_path.iterdir()) == []


class _Exploding(dict[str, bytes]):
    """Files that fail half way: the first is written, the second raises."""

    def items(self) -> Any:
        yield "a.txt", b"a"
        raise ZeroDivisionError


@pytest.mark.parametrize(
    ("findings", "note"),
    [
        (None, "no health report"),
        ([{"check": "schema", "severity": "ok"}], "no fairness check in the health report"),
        ([{"check": "fairness", "severity": "ok"}], None),
    ],
)
def test_section_4_says_when_fairness_was_not_checked(
    copy: Path, findings: list[dict[str, str]] | None, note: str | None
) -> None:
    reports = copy / "releases" / f"{MODEL}@v2.0.0" / "reports"
    if findings is not None:
        (reports / "health.json").write_text(json.dumps({"findings": findings}))
    four = next(s for s in evidence.collect(copy, "v2.0.0").sections if s.number == "4")
    if note is None:
        assert not any("fairness" in m for m in four.missing)
    else:
        assert any(note in m for m in four.missing)


def test_the_index_page_renders_in_chromium_with_nothing_fetched(repo: Path) -> None:
    """The page as an auditor opens it from the unzipped bundle: headless Chromium parses it
    (every section in the DOM), paints it (not blank), and nothing in it points outside."""
    from tests.screenshots import shoot

    out = repo.parent / "page.zip"
    assert o16n(repo, "evidence", "--version", "v2.0.0", "--since", "v1.0.0", "-o", out)[0] == 0
    folder = repo.parent / "page"
    with zipfile.ZipFile(out) as archive:
        archive.extractall(folder)
    dom, pixels = shoot(folder / "index.html", 900, 1400, folder / "index.png")
    for n in range(1, 10):
        assert f"<td>{n}. " in dom
    assert "Modifications from v1.0.0 to v2.0.0" in dom
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", dom)
    assert "<script" not in dom and "@import" not in dom and "url(" not in dom
    assert pixels.std() > 10  # text and tables painted, not a blank page


def test_a_link_in_the_release_bundle_is_not_followed_into_the_zip(
    copy: Path, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("not for the auditor\n")
    (copy / "releases" / f"{MODEL}@v2.0.0" / "reports" / "notes.txt").symlink_to(secret)
    found = evidence.collect(copy, "v2.0.0")
    assert "release/reports/notes.txt" not in found.paths
    assert all(b"not for the auditor" not in e.data for e in found.entries)
    assert not found.release.verified
