"""Dotted names for nested params and metrics (o16n.config.params)."""

from __future__ import annotations

from o16n.config.params import flatten


def test_flatten_keeps_order_and_empty_mappings() -> None:
    assert flatten({"a": {"b": 1, "c": {"d": [1, 2]}}, "e": {}}) == {
        "a.b": 1,
        "a.c.d": [1, 2],
        "e": {},
    }


def test_flatten_prefixes_every_name() -> None:
    assert flatten({"C": 1.0, "grid": {"depth": 3}}, "train.") == {
        "train.C": 1.0,
        "train.grid.depth": 3,
    }
