"""The health page as a reader sees it: rendered by headless Chromium (Debian's `chromium`,
installed by `make chromium`), from a real report (`o16n health` on generated tables).

One Chromium run gives both the parsed DOM (`--dump-dom`: every chart is in it) and a
screenshot (`--screenshot`: the charts are painted, in the reference and current colours, and
the page is not blank). The PNG is decoded here with zlib and numpy (no imaging library).
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import zlib

import numpy as np
import pandas as pd
import pytest

from o16n.cli import main as cli
from o16n.report.health import COLOURS

WIDTH, HEIGHT = 1000, 1200
COLUMNS = 5  # x0..x3 numeric, c categorical; x0 and c drift


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed: run `make chromium` (apt-get install chromium)")
    return found


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
    shot = folder / "health.png"
    ran = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={WIDTH},{HEIGHT}",
            f"--screenshot={shot}",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert ran.returncode == 0 and shot.is_file(), ran.stderr[-2000:]
    return ran.stdout, read_png(shot.read_bytes())


def read_png(data: bytes) -> np.ndarray:
    """An 8-bit, non-interlaced RGB or RGBA PNG (what Chromium writes) as height × width × 3."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (size,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + size]
        header = body if kind == b"IHDR" else header
        idat += body if kind == b"IDAT" else b""
        pos += 12 + size
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    assert (depth, interlace) == (8, 0) and colour in (2, 6), (depth, colour, interlace)
    channels = 3 if colour == 2 else 4
    rows = np.frombuffer(zlib.decompress(idat), np.uint8).reshape(height, width * channels + 1)
    pixels = np.zeros((height, width * channels), np.int32)
    previous = np.zeros(width * channels, np.int32)
    for y in range(height):
        pixels[y] = previous = _unfilter(int(rows[y, 0]), rows[y, 1:], previous, channels)
    return pixels.reshape(height, width, channels)[:, :, :3].astype(np.uint8)


def _unfilter(kind: int, line: np.ndarray, up: np.ndarray, bpp: int) -> np.ndarray:
    """One scanline's PNG filter undone (RFC 2083, 6): None, Sub, Up, Average, Paeth."""
    raw = line.astype(np.int32)
    if kind == 0:
        return raw
    if kind == 2:
        return (raw + up) % 256
    if kind == 1:  # a running sum per channel
        return (np.cumsum(raw.reshape(-1, bpp), axis=0) % 256).reshape(-1)
    out = raw.tolist()
    above = up.tolist()
    for i in range(len(out)):
        left = out[i - bpp] if i >= bpp else 0
        if kind == 3:
            out[i] = (out[i] + (left + above[i]) // 2) % 256
            continue
        corner = above[i - bpp] if i >= bpp else 0
        guess = left + above[i] - corner
        a, b, c = abs(guess - left), abs(guess - above[i]), abs(guess - corner)
        near = left if a <= b and a <= c else above[i] if b <= c else corner
        out[i] = (out[i] + near) % 256
    return np.array(out, np.int32)


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
