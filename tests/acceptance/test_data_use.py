"""`o16n data use` end to end, on real public tables that ship in packages (offline): a baked
project takes the table, reproduces, passes its tests and `o16n check` on main; a branch that
changes params passes against main with the metrics and params diff; a shifted copy of the data
shows drift. Bad input leaves the project exactly as it was."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from tests.conftest import BIN, Bake, run

pytestmark = pytest.mark.slow

PACKAGE = "credit_risk_model"


def penguins() -> pd.DataFrame:
    import palmerpenguins

    return palmerpenguins.load_penguins()


def statsmodels_table(name: str) -> pd.DataFrame:
    import importlib

    frame: pd.DataFrame = importlib.import_module(f"statsmodels.datasets.{name}").load_pandas().data
    return frame


def o16n(project: Path, *args: str, check: bool = True) -> str:
    done = run(BIN / "o16n", "--no-color", *args, cwd=project, check=check)
    return done.stdout + done.stderr


def params(project: Path) -> dict[str, object]:
    loaded: dict[str, object] = yaml.safe_load((project / "params.yaml").read_text())
    return loaded


def check_passes(project: Path) -> dict[str, object]:
    done = run(BIN / "o16n", "check", "--base", "main", cwd=project, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    report: dict[str, object] = json.loads((project / "reports" / "check.json").read_text())
    return report


def commit(project: Path, message: str) -> None:
    run("git", "commit", "--quiet", "-m", message, cwd=project)
    status = run("git", "status", "--porcelain", cwd=project).stdout
    assert status == "", f"not a clean tree after the commit:\n{status}"
    assert json.loads(run(BIN / "dvc", "status", "--json", cwd=project).stdout) == {}


def a_params_change_passes_against_main(
    project: Path, section: str, key: str, value: object
) -> None:
    run("git", "checkout", "--quiet", "-b", "tune", cwd=project)
    settings = params(project)
    old = settings[section][key]  # type: ignore[index]
    text = (project / "params.yaml").read_text()
    line = f"  {key}: {old}"
    assert line in text, f"{line!r} not in params.yaml"
    (project / "params.yaml").write_text(text.replace(line, f"  {key}: {value}", 1))
    run(BIN / "dvc", "repro", "--quiet", cwd=project, PYTHONPATH=str(project / "src"))
    run("git", "commit", "--quiet", "-am", f"Tune {section}.{key}", cwd=project)
    report = check_passes(project)
    changed = {(p["name"], p["old"], p["new"]) for p in report["params"]}  # type: ignore[attr-defined]
    assert (f"{section}.{key}", str(old), str(value)) in changed
    assert report["metrics"], "no metrics diff in the report"
    markdown = (project / "reports" / "check.md").read_text()
    assert (
        "### Params vs `main`" in markdown and f"| {section}.{key} | {old} | {value} |" in markdown
    )
    run("git", "checkout", "--quiet", "main", cwd=project)
    run(BIN / "dvc", "checkout", "--quiet", cwd=project)


def a_shifted_copy_drifts(project: Path) -> None:
    run(
        BIN / "python",
        "-m",
        f"{PACKAGE}.batch",
        "--shift",
        cwd=project,
        PYTHONPATH=str(project / "src"),
    )
    [batch] = sorted((project / "data" / "production").glob("*.csv"))
    done = run(
        BIN / "o16n", "health", "--current", batch, "--format", "json", cwd=project, check=False
    )
    assert done.returncode == 1, done.stdout + done.stderr
    findings = json.loads(done.stdout)["findings"]
    fired = {(f["trigger"], f["severity"]) for f in findings}
    assert ("dataset-drift", "fail") in fired
    drifted = {
        f["column"] for f in findings if f["trigger"] == "feature-drift" and f["severity"] == "warn"
    }
    assert len(drifted) >= 2, drifted


def contract(project: Path) -> dict[str, dict[str, object]]:
    loaded: dict[str, dict[str, object]] = yaml.safe_load(
        (project / "tests" / "data_contract.yaml").read_text()
    )["columns"]
    return loaded


# --- classification ---------------------------------------------------------------------------


def test_penguins_from_parquet_with_strings_and_missing_values(bake: Bake, tmp_path: Path) -> None:
    """A Parquet source; string categoricals; missing values in features and in the target."""
    project = bake()
    source = tmp_path / "penguins.parquet"
    penguins().to_parquet(source)
    out = o16n(project, "data", "use", str(source), "--target", "sex", "--positive", "male")

    assert "11 row(s) without a target left out" in out
    data = params(project)["data"]
    assert data == {  # type: ignore[comparison-overlap]
        "source": "data/source/penguins.parquet",
        "target": "sex",
        "positive": "male",
        "numeric": ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"],
        "categorical": ["species", "island", "year"],
        "drop": [],
    }
    # the sample is gone; the table is tracked by DVC, not git
    assert not (project / "src" / PACKAGE / "sample.py").exists()
    assert "sample" not in yaml.safe_load((project / "dvc.yaml").read_text())["stages"]
    assert (project / "data" / "source" / "penguins.parquet.dvc").is_file()
    assert not (project / "data" / "source" / "sample.csv").exists()
    # the contract follows the data
    columns = contract(project)
    assert columns["island"] == {"kind": "categorical", "values": ["Biscoe", "Dream", "Torgersen"]}
    # the rows without a sex were the ones without measurements too: none missing now
    assert columns["bill_length_mm"] == {"kind": "numeric", "min": 32.1, "max": 59.6}
    assert columns["target"] == {"kind": "binary"}
    # the sample's settings are reset
    floors = yaml.safe_load((project / "o16n.yaml").read_text())["policy_vars"]["metric_floors"]
    metrics = json.loads((project / "metrics.json").read_text())
    assert set(floors) == {"roc_auc", "balanced_accuracy"}
    for name, floor in floors.items():
        assert metrics[name] - 0.06 <= floor < metrics[name]
    kpi = yaml.safe_load((project / "kpis.yaml").read_text())["kpi"]
    assert set(kpi["value"].values()) == {0}
    card = (project / "model_card.yaml").read_text()
    assert "Breast Cancer" not in card and "penguins.parquet, training split" in card
    assert "benign" not in (project / "kpis.yaml").read_text() + card
    assert "a person must decide" in out and "kpis.yaml" in out
    assert "CI cannot pull your table" in out  # the default remote is local

    commit(project, "Train on the Palmer penguins")
    check_passes(project)
    a_params_change_passes_against_main(project, "train", "max_iter", 2000)
    a_shifted_copy_drifts(project)


def test_a_yes_no_target_with_its_leak_dropped(bake: Bake, tmp_path: Path) -> None:
    """statsmodels' `fair` (6,366 marriages): the target had_affair is Yes/No, derived from the
    hours in `affairs`, which gives it away: o16n says so, and --drop takes it out."""
    project = bake()
    fair = statsmodels_table("fair")
    fair["had_affair"] = np.where(fair["affairs"] > 0, "Yes", "No")
    source = tmp_path / "fair.csv"
    fair.to_csv(source, index=False)

    asked = run(
        BIN / "o16n", "data", "use", source, "--target", "had_affair", cwd=project, check=False
    )
    assert asked.returncode == 2
    assert "--positive is needed" in asked.stderr and "No, Yes" in asked.stderr

    leaky = o16n(project, "data", "use", str(source), "--target", "had_affair", "--positive", "yes")
    assert "affairs gives the target away" in leaky and "--drop affairs" in leaky
    assert json.loads((project / "metrics.json").read_text())["roc_auc"] > 0.99
    run("git", "reset", "--quiet", "--hard", cwd=project)  # the leaky model is not committed
    run("git", "clean", "-fdq", cwd=project)
    run(BIN / "dvc", "checkout", "--force", "--quiet", cwd=project)

    out = o16n(
        project, "data", "use", str(source), "--target", "had_affair", "--positive", "Yes",
        "--drop", "affairs",
    )  # fmt: skip
    assert "gives the target away" not in out
    data = params(project)["data"]
    assert data["positive"] == "Yes" and data["drop"] == ["affairs"]  # type: ignore[index]
    assert "affairs" not in contract(project)
    assert 0.6 < json.loads((project / "metrics.json").read_text())["roc_auc"] < 0.95

    commit(project, "Train on fair")
    check_passes(project)
    a_params_change_passes_against_main(project, "train", "C", 0.5)


def test_a_rare_positive_class_is_weighted_and_judged_by_balanced_accuracy(
    bake: Bake, tmp_path: Path
) -> None:
    """statsmodels' `randhie` (20,190 people): hlthp, self-rated poor health, is 1 for 1.5%."""
    project = bake()
    source = tmp_path / "randhie.csv"
    statsmodels_table("randhie").to_csv(source, index=False)
    out = o16n(project, "data", "use", str(source), "--target", "hlthp")  # 0/1: no --positive

    assert "1.5%" in out and "train.class_weight: balanced" in out
    assert params(project)["train"]["class_weight"] == "balanced"  # type: ignore[index]
    metrics = json.loads((project / "metrics.json").read_text())
    assert metrics["recall"] > 0.5  # unweighted, at a threshold of 0.5, it is near 0
    floors = yaml.safe_load((project / "o16n.yaml").read_text())["policy_vars"]["metric_floors"]
    assert floors["balanced_accuracy"] > 0.6

    commit(project, "Train on randhie")
    check_passes(project)
    a_shifted_copy_drifts(project)


# --- regression ---------------------------------------------------------------------------------


def test_a_regression_target_after_a_second_data_use(bake: Bake, tmp_path: Path) -> None:
    """Penguins' body mass from the rest; a copy in kilograms leaks it. A second `data use`
    replaces the first table."""
    project = bake(model_kind="regression")
    frame = penguins()
    frame["body_mass_kg"] = frame["body_mass_g"] / 1000
    source = tmp_path / "penguins.csv"
    frame.to_csv(source, index=False)

    first = o16n(project, "data", "use", str(source), "--target", "body_mass_g")
    assert "body_mass_kg gives the target away (rank correlation with the target 1.00)" in first
    commit(project, "Train on penguins")

    out = o16n(
        project, "data", "use", str(source), "--target", "body_mass_g", "--drop", "body_mass_kg"
    )
    assert "target body_mass_g: 2700 to 6300" in out
    data = params(project)["data"]
    assert "positive" not in data and data["drop"] == ["body_mass_kg"]  # type: ignore[operator,index]
    assert set(data["categorical"]) == {"species", "island", "sex", "year"}  # type: ignore[index]
    assert contract(project)["sex"]["missing"] == 0.08  # 9 of 342 rows, plus 0.05
    health = yaml.safe_load((project / "health.yaml").read_text())["triggers"]
    missing = next(t for t in health if t["id"] == "missing-values")
    assert (missing["warn"], missing["fail"]) == (0.01, 0.05)  # above the reference's share
    metrics = json.loads((project / "metrics.json").read_text())
    assert 0.7 < metrics["r2"] < 0.99
    limits = yaml.safe_load((project / "o16n.yaml").read_text())["policy_vars"]
    assert limits["metric_ceilings"]["rmse"] > metrics["rmse"]
    kpi = yaml.safe_load((project / "kpis.yaml").read_text())["kpi"]
    assert kpi["cost_per_unit_under"] == kpi["cost_per_unit_over"] == 0

    commit(project, "Train on penguins without the leak")
    check_passes(project)
    a_params_change_passes_against_main(project, "train", "alpha", 0.5)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Files of tmp_path/www over HTTP on 127.0.0.1; yields name -> URL."""
    www = tmp_path / "www"
    www.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(www))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield lambda name: f"http://127.0.0.1:{server.server_port}/{name}"
    server.shutdown()


def test_a_table_imported_from_a_url(
    bake: Bake, tmp_path: Path, served: Callable[[str], str]
) -> None:
    """statsmodels' `grunfeld` (investment of 11 US firms, 1935-1954) over HTTP: `dvc import-url`
    pins it; the firm is a string categorical."""
    project = bake(model_kind="regression")
    statsmodels_table("grunfeld").to_csv(tmp_path / "www" / "grunfeld.csv", index=False)
    out = o16n(project, "data", "use", served("grunfeld.csv"), "--target", "invest")

    assert f"from {served('grunfeld.csv')}" in out
    record = yaml.safe_load((project / "data" / "source" / "grunfeld.csv.dvc").read_text())
    assert record["deps"][0]["path"] == served("grunfeld.csv") and record["frozen"] is True
    assert params(project)["data"]["categorical"] == ["firm"]  # type: ignore[index]
    card = yaml.safe_load((project / "model_card.yaml").read_text())
    assert card["model_parameters"]["data"]["training"]["link"] == served("grunfeld.csv")

    commit(project, "Train on grunfeld")
    check_passes(project)


# --- bad input ------------------------------------------------------------------------------------


def snapshot(project: Path) -> dict[str, str]:
    """Every file of the project (git's index and refs too) but DVC's content-addressed cache."""
    skipped = (".git/objects/", ".dvc/cache/", ".dvc/tmp/")
    return {
        str(path.relative_to(project)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(project.rglob("*"))
        if path.is_file() and not str(path.relative_to(project)).startswith(skipped)
    }


@dataclass(frozen=True)
class Bad:
    name: str
    args: Callable[[Path, Callable[[str], str]], list[str]]
    says: tuple[str, ...]


def _table(tmp: Path, name: str, frame: pd.DataFrame) -> str:
    frame.to_csv(tmp / name, index=False)
    return str(tmp / name)


def _file(tmp: Path, name: str, data: bytes) -> str:
    (tmp / name).write_bytes(data)
    return str(tmp / name)


BAD = [
    Bad(
        "no such target",
        lambda t, _: [_table(t, "p.csv", penguins()), "--target", "Sex"],
        ("--target Sex: ", "no such column; its columns: species, island, bill_length_mm"),
    ),
    Bad(
        "a target with one value",
        lambda t, _: [_table(t, "one.csv", penguins().assign(kind="bird")), "--target", "kind"],
        ("one value only ('bird')",),
    ),
    Bad(
        "a positive that is not a value",
        lambda t, _: [_table(t, "p.csv", penguins()), "--target", "sex", "--positive", "males"],
        ("--positive males: not a value of the target 'sex'; its values: ", "female", "male"),
    ),
    Bad(
        "three classes",
        lambda t, _: [_table(t, "p.csv", penguins()), "--target", "species"],
        ("has 3 values (", "Adelie", "predicts two classes"),
    ),
    Bad(
        "an empty table",
        lambda t, _: [_file(t, "empty.csv", b""), "--target", "sex"],
        ("empty.csv: the file is empty",),
    ),
    Bad(
        "a header without rows",
        lambda t, _: [_file(t, "header.csv", b"a,b,sex\n"), "--target", "sex"],
        ("the table has no rows (columns: a, b, sex)",),
    ),
    Bad(
        "a file that is not a table",
        lambda t, _: [
            _file(t, "model.parquet", b"\x89PNG\r\n\x1a\n" + bytes(range(256))),
            "--target",
            "sex",
        ],
        ("model.parquet: not a table: Parquet cannot read it",),
    ),
    Bad(
        "no such file",
        lambda t, _: [str(t / "missing.csv"), "--target", "sex"],
        ("missing.csv: no such file",),
    ),
    Bad(
        "a URL that cannot be reached",
        lambda t, url: [url("absent.csv"), "--target", "sex"],
        ("absent.csv: cannot import it with `dvc import-url`; the project is unchanged",),
    ),
    Bad(
        "a drop that is not a column",
        lambda t, _: [
            _table(t, "p.csv", penguins()),
            "--target",
            "sex",
            "--positive",
            "male",
            "--drop",
            "id",
        ],
        ("--drop id: no such column",),
    ),
]


@pytest.fixture(scope="module")
def baked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import ROOT, cookiecutter

    out = tmp_path_factory.mktemp("bad-input")
    assert cookiecutter(ROOT, out).returncode == 0
    return out / "credit-risk-model"


@pytest.mark.parametrize("bad", BAD, ids=[b.name for b in BAD])
def test_bad_input_is_named_and_changes_nothing(
    baked: Path, bad: Bad, tmp_path: Path, served: Callable[[str], str]
) -> None:
    before = snapshot(baked)
    done = run(BIN / "o16n", "data", "use", *bad.args(tmp_path, served), cwd=baked, check=False)
    assert done.returncode == 2, done.stdout + done.stderr
    for words in bad.says:
        assert words in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot(baked) == before


def test_a_failing_test_is_refused_and_changes_nothing(baked: Path, tmp_path: Path) -> None:
    """A test of the user's own that assumes the sample fails in the scratch copy: nothing is
    swapped in, and the output says which test and why."""
    mine = baked / "tests" / "test_mine.py"
    mine.write_text(
        "from credit_risk_model.ingest import load\n\n\n"
        "def test_the_sample_columns() -> None:\n"
        '    assert "mean_radius" in load().columns\n'
    )
    try:
        before = snapshot(baked)
        source = _table(tmp_path, "p.csv", penguins())
        done = run(
            BIN / "o16n", "data", "use", source, "--target", "sex", "--positive", "male",
            cwd=baked, check=False,
        )  # fmt: skip
        assert done.returncode == 2
        assert "the project's tests fail with this table" in done.stderr
        assert "test_mine.py::test_the_sample_columns" in done.stderr
        assert snapshot(baked) == before
    finally:
        mine.unlink()


def test_the_readme_route_by_hand_works_as_written(bake: Bake, tmp_path: Path) -> None:
    """The generated README's "By hand" block, run line by line; its comment lines are the
    edits a person makes, done here the way it says."""
    project = bake()
    readme = (project / "README.md").read_text()
    block = readme[readme.index("**By hand.**") :].split("```bash\n", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line and not line.startswith("#")]
    edits = [line for line in block.splitlines() if line.startswith("#")]
    assert commands[-1] == "make repro && make test" and len(edits) == 3
    source = tmp_path / "table.csv"
    penguins().dropna().to_csv(source, index=False)
    for line in commands[:-1]:
        run("bash", "-c", line.replace("path/to/table.csv", str(source)), cwd=project)

    numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
    categorical = ["species", "island"]
    text = (project / "params.yaml").read_text()
    settings = yaml.safe_load(text)
    settings["data"] = {
        "source": "data/source/table.csv",
        "target": "sex",
        "positive": "male",
        "numeric": numeric,
        "categorical": categorical,
        "drop": ["year"],
    }
    (project / "params.yaml").write_text(yaml.safe_dump(settings, sort_keys=False))
    pipeline = (project / "dvc.yaml").read_text()
    assert pipeline.count("data/source/sample.csv") == 1  # `dvc remove sample` took the stage
    (project / "dvc.yaml").write_text(
        pipeline.replace("data/source/sample.csv", "data/source/table.csv")
    )
    frame = penguins().dropna()
    columns = {c: {"kind": "numeric", "min": 0, "max": 10_000} for c in numeric}
    columns |= {
        c: {"kind": "categorical", "values": sorted(frame[c].unique())} for c in categorical
    }
    columns["target"] = {"kind": "binary"}
    (project / "tests" / "data_contract.yaml").write_text(
        yaml.safe_dump({"version": 1, "columns": columns}, sort_keys=False)
    )
    done = run("bash", "-c", f"make repro BIN={BIN} && make test BIN={BIN}", cwd=project)
    assert " passed" in done.stdout and "failed" not in done.stdout
    ingest = yaml.safe_load((project / "dvc.lock").read_text())["stages"]["ingest"]
    assert "data/source/table.csv" in {dep["path"] for dep in ingest["deps"]}


def test_a_model_of_strings_and_gaps_is_served_as_it_predicts_locally(
    bake: Bake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Released, deployed and served by a real MLServer: rows with string categories, a
    category it never saw and missing values get the probabilities the saved model gives."""
    import joblib

    from o16n.serving import v2
    from tests.acceptance.test_governance import as_person
    from tests.acceptance.test_release import sign_as_ci
    from tests.acceptance.test_serve import free_port, infer
    from tests.signing import allowed_signers, make_key

    project = bake(governance_owners="gov@example.com")
    sign_as_ci(project, tmp_path / "keys", monkeypatch)
    gov = make_key(tmp_path / "keys", "gov")
    trust = project / "policies" / "allowed_signers"
    trust.write_text(trust.read_text() + allowed_signers([("gov@example.com", gov, "git")]))
    run("git", "commit", "--quiet", "-am", "Trust the governance owner's key", cwd=project)

    run("git", "switch", "--quiet", "-c", "penguins", cwd=project)
    source = tmp_path / "penguins.csv"
    penguins().to_csv(source, index=False)
    o16n(project, "data", "use", str(source), "--target", "sex", "--positive", "male")
    card = project / "model_card.yaml"
    intended = card.read_text().replace("use_cases: []", "use_cases: [Sexing field records]")
    card.write_text(intended.replace("users: []", "users: [Field biologists]"))
    run("git", "commit", "--quiet", "-am", "Train on the Palmer penguins", cwd=project)
    run(BIN / "o16n", "approve", cwd=project, **as_person("Gov", "gov@example.com", gov))
    run("git", "switch", "--quiet", "main", cwd=project)
    run("git", "merge", "--quiet", "--no-ff", "penguins", "-m", "Merge penguins", cwd=project)
    run(BIN / "o16n", "release", cwd=project)
    run(BIN / "o16n", "deploy", "--env", "staging", cwd=project)

    rows = pd.read_csv(project / "data" / "prepared" / "test.csv").drop(columns="target").head(4)
    rows.loc[rows.index[0], "bill_length_mm"] = np.nan
    rows.loc[rows.index[1], "island"] = "Antarctica"  # never seen in training
    rows.loc[rows.index[2], "species"] = None
    expected = joblib.load(project / "models" / "model.joblib").predict_proba(rows)[:, 1]

    port = free_port()
    o16n(project, "serve", "--env", "staging", "--port", str(port), "--detach")
    try:
        status, version, answer = infer(port, v2.encode(rows, ["predict_proba"]))
        assert (status, version) == (200, "v1.0.0"), answer
        served = [pair[1] for pair in v2.outputs(answer, len(rows))["predict_proba"]]
        assert served == pytest.approx(list(expected), abs=1e-9)
    finally:
        o16n(project, "serve", "--env", "staging", "--stop", check=False)


def test_a_table_named_like_the_sample_replaces_it(bake: Bake, tmp_path: Path) -> None:
    """data/source/sample.csv is the sample stage's output: a user's sample.csv takes its place
    (the stage goes first, so DVC does not see two owners of one path)."""
    project = bake()
    source = tmp_path / "sample.csv"
    penguins().to_csv(source, index=False)
    o16n(project, "data", "use", str(source), "--target", "sex", "--positive", "male")
    assert (project / "data" / "source" / "sample.csv.dvc").is_file()
    assert "sample" not in yaml.safe_load((project / "dvc.yaml").read_text())["stages"]
    table = pd.read_csv(project / "data" / "source" / "sample.csv")
    assert list(table.columns) == list(penguins().columns)
    commit(project, "Train on a table called sample.csv")
