"""The pipeline definition (dvc.yaml) is consistent with the code and params.yaml."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

PIPELINE = yaml.safe_load(Path("dvc.yaml").read_text())["stages"]
PARAMS = yaml.safe_load(Path("params.yaml").read_text())
# `sample` writes the sample table until `o16n data use` replaces it with yours
STAGES = [name for name in ["sample", "ingest", "prepare", "train", "evaluate"] if name in PIPELINE]


def test_stages_run_in_order() -> None:
    assert list(PIPELINE) == STAGES
    assert STAGES[-4:] == ["ingest", "prepare", "train", "evaluate"]


def test_ingest_reads_the_source_that_params_names() -> None:
    assert PARAMS["data"]["source"] in PIPELINE["ingest"]["deps"]


@pytest.mark.parametrize("name", STAGES)
def test_stage_runs_its_module_and_depends_on_it(name: str) -> None:
    module = f"src/{{ cookiecutter.package_name }}/{name}.py"
    commands = PIPELINE[name]["cmd"]
    first = commands[0] if isinstance(commands, list) else commands
    assert first == f"python -m {{ cookiecutter.package_name }}.{name}"
    assert Path(module).is_file()
    assert module in PIPELINE[name]["deps"]


@pytest.mark.parametrize("name", STAGES)
def test_stage_params_exist(name: str) -> None:
    for section in PIPELINE[name].get("params", []):
        assert section in PARAMS, f"{name} reads params.yaml section {section!r}, which is missing"


@pytest.mark.parametrize(("producer", "consumer"), list(zip(STAGES, STAGES[1:], strict=False)))
def test_each_stage_consumes_what_the_previous_one_writes(producer: str, consumer: str) -> None:
    assert set(PIPELINE[producer]["outs"]) & set(PIPELINE[consumer]["deps"])


def test_evaluate_writes_metrics_kept_in_git() -> None:
    assert PIPELINE["evaluate"]["metrics"] == [{"metrics.json": {"cache": False}}]
