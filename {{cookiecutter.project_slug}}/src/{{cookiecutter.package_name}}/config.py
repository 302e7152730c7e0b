"""Where the pipeline reads and writes, and its parameters (params.yaml)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

RAW = Path("data/raw/dataset.csv")
TRAIN = Path("data/prepared/train.csv")
TEST = Path("data/prepared/test.csv")
MODEL = Path("models/model.joblib")
PREDICTIONS = Path("data/predictions/test.csv")
METRICS = Path("metrics.json")
PLOTS = Path("plots")
TARGET = "target"


def params(section: str, path: Path = Path("params.yaml")) -> dict[str, Any]:
    """One section of params.yaml; DVC re-runs a stage when its section changes."""
    return yaml.safe_load(path.read_text())[section]
