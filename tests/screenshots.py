"""Pages as a reader sees them: rendered by headless Chromium (Debian's `chromium`, installed by
`make chromium`), which gives the parsed DOM (`--dump-dom`) and a screenshot (`--screenshot`) in
one run. The PNG is decoded here with zlib and numpy (no imaging library)."""

from __future__ import annotations

import shutil
import struct
import subprocess
import zlib
from pathlib import Path

import numpy as np
import pytest


def chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed: run `make chromium` (apt-get install chromium)")
    return found


def shoot(page: Path, width: int, height: int, shot: Path) -> tuple[str, np.ndarray]:
    """Chromium's DOM of `page` and its screenshot (written to `shot`) as an RGB array."""
    ran = subprocess.run(
        [
            chromium(),
            "--headless",
            "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
            "--disable-gpu",
            "--hide-scrollbars",
            f"--window-size={width},{height}",
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
