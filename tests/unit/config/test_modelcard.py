"""model_card.yaml: the template loads and is honestly incomplete, completeness counts the
pipeline's facts, errors name file, line and key, and MODEL_CARD.md shows card and facts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from o16n.config.modelcard import (
    ANNEX_IV,
    SECTIONS,
    ModelCard,
    load,
    missing,
    sections_status,
)
from o16n.config.schemas import schema_path
from o16n.errors import ConfigError
from o16n.report.modelcard import render_markdown
from tests.conftest import ROOT

TEMPLATE = ROOT / "{{cookiecutter.project_slug}}"
NO_FACTS: dict[str, Any] = {}
FACTS: dict[str, Any] = {
    "model": {"name": "credit-risk", "version": "v3"},
    "commit": "0123abc",
    "metrics": {"roc_auc": 0.95614, "accuracy": 0.9},
    "baseline": {"metrics": {"roc_auc": 0.94, "log_loss": 0.2}},
    "params": {"prepare": {"test_size": 0.25, "seed": 42}, "train": {"C": 1.0}},
    "lineage": {
        "data": {"data/raw/dataset.csv": "aaa111"},
        "model": {"models/model.joblib": "bbb222"},
        "outs": {},
    },
    "kpis": {
        "unit": "EUR",
        "value_per_1000": 1234.5,
        "threshold": 0.62,
        "baseline_value_per_1000": 1000.0,
    },
    "health": {
        "verdict": "warn",
        "counts": {"ok": 7, "warn": 1, "fail": 0},
        "drifted_columns": ["mean_radius"],
    },
}


def rendered_template(tmp_path: Path, kind: str, license_: str = "MIT") -> Path:
    """The template's model_card.yaml rendered as cookiecutter would, without its hooks."""
    context = {
        "project_name": 'Credit "Risk": Model',
        "description": "Scores: loan applications.",
        "owner": "acme",
        "model_kind": kind,
        "license": license_,
    }
    env = Environment(loader=FileSystemLoader(TEMPLATE), undefined=StrictUndefined)
    text = env.get_template("model_card.yaml").render(cookiecutter=context)
    path = tmp_path / "model_card.yaml"
    path.write_text(text)
    return path


COMPLETE: dict[str, Any] = {
    "model_details": {"name": "m", "overview": "o", "owners": [{"name": "acme"}]},
    "considerations": {
        "users": ["analysts"],
        "use_cases": ["rank cases"],
        "limitations": ["adults only"],
        "human_oversight": ["a reviewer confirms each decision"],
        "monitoring_plan": ["weekly o16n health"],
    },
}


def complete_card(**sections: dict[str, Any]) -> ModelCard:
    """The card in COMPLETE, with whole top-level sections replaced."""
    return ModelCard.model_validate({**COMPLETE, **sections})


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_template_loads_and_names_the_project(tmp_path: Path, kind: str) -> None:
    card = load(rendered_template(tmp_path, kind))
    assert card.model_details.name == 'Credit "Risk": Model'
    assert card.model_details.overview == "Scores: loan applications."
    assert card.model_details.owners[0].name == "acme"
    assert card.model_details.licenses[0].identifier == "MIT"
    sample = "Breast Cancer" if kind == "classification" else "Diabetes"
    assert card.model_parameters.data.training.name.startswith(sample)


def test_template_with_proprietary_licence_has_custom_text(tmp_path: Path) -> None:
    card = load(rendered_template(tmp_path, "regression", "Proprietary"))
    assert card.model_details.licenses[0].identifier == ""
    assert card.model_details.licenses[0].custom_text == "Proprietary: all rights reserved."


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_template_is_incomplete_until_a_person_writes_it(tmp_path: Path, kind: str) -> None:
    card = load(rendered_template(tmp_path, kind))
    assert missing(card, ANNEX_IV, NO_FACTS) == [
        "intended_purpose",
        "performance",
        "limitations",
        "human_oversight",
        "monitoring_plan",
    ]
    assert missing(card, ANNEX_IV, FACTS) == [
        "intended_purpose",
        "limitations",
        "human_oversight",
        "monitoring_plan",
    ]


@pytest.mark.parametrize("kind", ["classification", "regression"])
def test_shipped_schema_accepts_the_template(tmp_path: Path, kind: str) -> None:
    data = yaml.safe_load(rendered_template(tmp_path, kind).read_text())
    jsonschema.validate(data, json.loads(schema_path("model_card").read_text()))


def test_shipped_schema_rejects_unknown_key() -> None:
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"considerations": {"intended_use": []}},
            json.loads(schema_path("model_card").read_text()),
        )


def test_every_section_names_existing_fields() -> None:
    for paths in SECTIONS.values():
        for path in paths:
            model: Any = ModelCard
            for name in path.split("."):
                assert name in model.model_fields, path
                model = model.model_fields[name].annotation
    assert set(ANNEX_IV) <= set(SECTIONS)


def test_complete_card_misses_only_what_facts_would_fill() -> None:
    card = complete_card()
    assert missing(card, ANNEX_IV, NO_FACTS) == ["data", "performance"]
    assert missing(card, ANNEX_IV, FACTS) == []


def test_details_version_comes_from_facts_or_the_card() -> None:
    card = complete_card()
    assert missing(card, ["details"], NO_FACTS) == ["details"]
    assert missing(card, ["details"], {"commit": "0123abc"}) == []
    assert missing(card, ["details"], {"model": {"name": "m", "version": None}}) == ["details"]
    details = {**COMPLETE["model_details"], "version": {"name": "2", "date": "2024-05-01"}}
    written = complete_card(model_details=details)
    assert missing(written, ["details"], NO_FACTS) == []
    assert "| Version | 2 |\n| Commit | 0123abc |" in render_markdown(written, FACTS)
    assert "| Date | 2024-05-01 |" in render_markdown(written, FACTS)


def test_user_written_data_counts_without_lineage() -> None:
    data = {"training": {"name": "loans 2023"}, "evaluation": {"description": "loans 2024"}}
    card = complete_card(model_parameters={"data": data})
    assert missing(card, ["data"], NO_FACTS) == []
    half = complete_card(model_parameters={"data": {"training": {"name": "loans 2023"}}})
    assert missing(half, ["data"], NO_FACTS) == ["data"]


def test_blank_strings_do_not_count_as_written() -> None:
    card = complete_card(considerations={"limitations": ["  ", ""], "users": ["x"]})
    assert missing(card, ["limitations", "intended_purpose"], NO_FACTS) == [
        "limitations",
        "intended_purpose",
    ]


def test_missing_rejects_unknown_section_listing_known_ones() -> None:
    with pytest.raises(ValueError) as error:
        missing(ModelCard(), ["intended_purpose", "intended_use"], NO_FACTS)
    assert str(error.value) == (
        "unknown model card section(s): intended_use; known: " + ", ".join(SECTIONS)
    )


def test_sections_status_covers_every_section() -> None:
    status = sections_status(complete_card(), FACTS)
    assert list(status) == list(SECTIONS)
    assert [name for name, done in status.items() if not done] == [
        "licenses",
        "architecture",
        "tradeoffs",
        "ethical_considerations",
    ]


@pytest.mark.parametrize(
    ("text", "line", "key", "message"),
    [
        ("model_details:\n  name: m\n  owner: x\n", 3, "model_details.owner", "Extra inputs"),
        (
            "considerations:\n  limitations: none\n",
            2,
            "considerations.limitations",
            "Input should be a valid list",
        ),
        (
            "model_details:\n  owners:\n    - name: a\n    - nme: b\n",
            4,
            "model_details.owners[1].nme",
            "Extra inputs",
        ),
        ("version: 2\n", 1, "version", "Input should be 1"),
    ],
)
def test_bad_card_names_file_line_and_key(
    tmp_path: Path, text: str, line: int, key: str, message: str
) -> None:
    path = tmp_path / "model_card.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value).startswith(f"{path}:{line}: {key}: {message}")


def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "model_card.yaml"
    path.write_text("model_details:\n  name: [unclosed\n")
    with pytest.raises(ConfigError) as error:
        load(path)
    assert str(error.value).startswith(f"{path}:3: invalid YAML")


def test_markdown_compares_metrics_with_main() -> None:
    text = render_markdown(complete_card(), FACTS)
    assert "| Metric | This model | Main | Change |" in text
    assert "| roc_auc | 0.9561 | 0.94 | +0.01614 |" in text
    assert "| accuracy | 0.9 | — | — |" in text
    assert "| log_loss | — | 0.2 | — |" in text


def test_markdown_without_baseline_has_one_value_column() -> None:
    text = render_markdown(complete_card(), {"metrics": {"rmse": 55.3}})
    assert "| Metric | Value |\n|---|---|\n| rmse | 55.3 |" in text
    assert "Main" not in text


def test_markdown_flattens_params_and_shows_facts() -> None:
    text = render_markdown(complete_card(), FACTS)
    assert "| prepare.test_size | 0.25 |\n| prepare.seed | 42 |\n| train.C | 1.0 |" in text
    assert "| data | data/raw/dataset.csv | aaa111 |" in text
    assert "| model | models/model.joblib | bbb222 |" in text
    assert "| Value per 1,000 predictions | 1,234 EUR |" in text
    assert "| Change | +234.5 EUR |" in text
    assert "| Verdict | warn |\n| Checks | 7 ok, 1 warn, 0 fail |" in text
    assert "| Drifted columns | mean_radius |" in text
    assert "| Version | v3 |" in text
    assert "| Commit | 0123abc |" in text


def test_markdown_says_not_available_without_facts() -> None:
    text = render_markdown(complete_card(), NO_FACTS)
    for heading in ("Parameters", "Business value", "Data health"):
        assert f"## {heading}\n\nNot available." in text
    assert "Metrics from the pipeline (test split):\n\nNot available." in text
    assert "### Lineage (DVC)\n\nNot available." in text
    assert "| Version | not available |" in text


def test_markdown_escapes_table_cells() -> None:
    card = complete_card()
    facts = {"metrics": {"f1|macro": 0.5}, "params": {"note": "a|b\nc"}}
    text = render_markdown(card, facts)
    assert "| f1\\|macro | 0.5 |" in text
    assert "| note | a\\|b<br>c |" in text


def test_markdown_shows_written_text_and_marks_what_is_not() -> None:
    text = render_markdown(complete_card(), FACTS)
    assert text.startswith("# Model card: m\n\no\n")
    assert "## Limitations\n\n- adults only\n" in text
    assert "## Trade-offs\n\n_Not written yet: see model_card.yaml._\n" in text
    assert "| ethical_considerations | **no** |" in text


def test_markdown_is_deterministic() -> None:
    assert render_markdown(complete_card(), FACTS) == render_markdown(complete_card(), FACTS)
