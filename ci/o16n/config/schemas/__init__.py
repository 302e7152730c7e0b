"""JSON Schemas of o16n's YAML files, generated from the config models and shipped in the
package so editors can validate and complete them. Regenerate: `python -m o16n.config.schemas`."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import BaseModel

from o16n.config.health import HealthConfig
from o16n.config.kpis import KPIConfig
from o16n.config.modelcard import ModelCard
from o16n.config.pack import PackSpec
from o16n.config.profile import ProfileDocument
from o16n.config.project import ProjectConfig
from o16n.config.waivers import WaiversFile

SCHEMAS: dict[str, type[BaseModel]] = {
    "health": HealthConfig,
    "kpis": KPIConfig,
    "model_card": ModelCard,
    "o16n": ProjectConfig,
    "policy_pack": PackSpec,
    "profile": ProfileDocument,
    "waivers": WaiversFile,
}


def schema_path(name: str) -> Path:
    return Path(__file__).parent / f"{name}.schema.json"


def generate(name: str) -> dict[str, object]:
    schema = SCHEMAS[name].model_json_schema()
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def write_all() -> None:
    for name in SCHEMAS:
        schema_path(name).write_text(json.dumps(generate(name), indent=2) + "\n")


# Where a generated project keeps copies, so the `$schema` comments in its YAML files resolve.
PROJECT_DIR = ".o16n-schemas"


def write_to(directory: Path) -> list[Path]:
    """Copy the shipped schemas into `directory` (a project's editors read them from there);
    `o16n schemas --write` refreshes them after an upgrade of o16n."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name in SCHEMAS:
        target = directory / schema_path(name).name
        target.write_bytes(schema_path(name).read_bytes())
        written.append(target)
    return written
