"""The health page as a reader sees it: rendered by headless Chromium (Debian's `chromium`,
installed by `make chromium`), from a real report (`o16n health` on generated tables).

One Chromium run gives both the parsed DOM (`--dump-dom`: every chart is in it) and a
screenshot (`--screenshot`: the charts are painted, in the reference and current colours, and
the page is not blank); tests/screenshots.py runs it and decodes the PNG.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from o16n.cli import main as cli
from o16n.report.health import COLOURS
from tests.screenshots import shoot

WIDTH, HEIGHT = 1000, 1200
COLUMNS = 5  # x0..x3 numeric, c categorical; x0 and c drift


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, np.ndarray]:
    """The DOM Chromium built from health.html, and its screenshot as an RGB array."""
    folder = tmp_path_factory.mktemp("screenshot")
    rng = np.random.default_rng(11)
    n = 3000
    ref = pd.DataFrame({f"x{i}": rng.normal(0, 1, n) for i in range(4)})
    cur = pd.DataFrame({f"x{i}": rng.normal(0, 1, n) for i in range(4)})
    ref["c"] = rng.choice(list("abc"), n)
    cur["c"] = rng.choice(list("abc"), n, p=[0.6, 0.2, 0.2])
    cur["x0"] += 0.5
    ref.to_parquet(folder / "ref.parquet")
    cur.to_csv(folder / "cur.csv", index=False)
    page = folder / "health.html"
    args = ["--reference", str(folder / "ref.parquet"), "--current", str(folder / "cur.csv")]
    assert cli.main(["health", *args, "--format", "html", "-o", str(page)]) == 0
    return shoot(page, WIDTH, HEIGHT, folder / "health.png")


def _rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def test_every_column_has_a_chart_in_the_dom_and_drifted_ones_a_large_one(
    rendered: tuple[str, np.ndarray],
) -> None:
    dom, _ = rendered
    assert dom.count('<svg class="mini"') == COLUMNS
    assert dom.count('aria-label="x0: share of rows per bin, reference vs current"') == 1
    assert dom.count('aria-label="c: share of rows per category, reference vs current"') == 1
    assert len(re.findall(r'aria-label="[^"]*share of rows per', dom)) == 2  # drifted only
    assert "✅" not in dom and "⚠" not in dom and "❌" not in dom  # icons are SVG
    assert dom.count('<svg class="icon"') >= 4  # the verdict and its three counts


def test_the_screenshot_shows_the_charts_in_their_colours_and_is_not_blank(
    rendered: tuple[str, np.ndarray],
) -> None:
    _, pixels = rendered
    assert pixels.shape == (HEIGHT, WIDTH, 3)
    packed = pixels.astype(np.int32) @ np.array([1 << 16, 1 << 8, 1], np.int32)  # one int each
    assert len(np.unique(packed)) > 50, "the screenshot is (nearly) blank"
    for key in ("reference", "current"):
        r, g, b = _rgb(COLOURS[key])
        painted = int(np.count_nonzero(packed == (r << 16 | g << 8 | b)))
        # bars of two large charts and two small ones: thousands of pixels each
        assert painted > 2_000, f"no {key} bars painted ({painted} pixels)"
