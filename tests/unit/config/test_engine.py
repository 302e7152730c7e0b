"""`engine:` in health.yaml and `monitoring.engine:` in o16n.yaml: strict, and an address only
for the engine it belongs to."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from o16n.config.engine import EngineConfig
from o16n.config.health import HealthConfig
from o16n.config.project import ProjectConfig
from o16n.health.engines import Engine, choose

TRIGGERS = [{"id": "schema", "check": "schema"}]


def test_health_yaml_names_its_engine() -> None:
    config = HealthConfig.model_validate(
        {
            "engine": {"name": "spark", "workers": 4, "master": "spark://h:7077"},
            "triggers": TRIGGERS,
        }
    )
    assert choose(config.engine) == Engine("spark", 4, master="spark://h:7077")


def test_o16n_yaml_monitoring_engine() -> None:
    config = ProjectConfig.model_validate(
        {"model": "m", "monitoring": {"engine": {"name": "dask", "scheduler": "tcp://d:8786"}}}
    )
    assert config.monitoring.engine == EngineConfig(name="dask", scheduler="tcp://d:8786")


@pytest.mark.parametrize(
    "engine",
    [
        {"name": "ray"},
        {"workers": 0},
        {"workers": "2"},  # quoted: text, not a number
        {"name": "local", "scheduler": "tcp://d:8786"},
        {"name": "dask", "master": "spark://h:7077"},
        {"timeout": 0},
        {"nodes": 3},
    ],
)
def test_bad_engine_settings_are_refused(engine: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        HealthConfig.model_validate({"engine": engine, "triggers": TRIGGERS})


def test_flags_win_over_the_config_and_an_address_names_its_engine() -> None:
    config = EngineConfig(name="spark", workers=3, master="spark://h:7077")
    assert choose(config, workers=2) == Engine("spark", 2, master="spark://h:7077")
    assert choose(config, "local") == Engine("local", 3)
    assert choose(None, scheduler="tcp://d:8786") == Engine("dask", 1, scheduler="tcp://d:8786")
