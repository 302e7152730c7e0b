"""What every built site must hold to: its pages there, every local link resolving to a file in
the site, nothing that a browser would fetch (no scripts, stylesheets, images, fonts or CSS
imports from anywhere), and pages that headless Chromium paints, at desktop and phone widths."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np

from tests.screenshots import shoot

PAGES = (
    "index.html",
    "versions.html",
    "environments.html",
    "monitoring.html",
    "decisions.html",
    "logs.html",
)
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
HREF = re.compile(r"""\bhref="([^"]*)\"""")
FETCHING = re.compile(
    r"<script|<link\b|<img\b|<iframe|<object|<embed|\bsrc=|@import|url\(|@font-face", re.I
)


def local_links(site: Path) -> list[tuple[Path, str]]:
    """Every (page, href) of the site's own pages whose target is not a web address."""
    found = []
    for page in site.glob("*.html"):
        for href in HREF.findall(page.read_text(encoding="utf-8")):
            if not urlsplit(href).scheme:
                found.append((page, href))
    return found


def check_site(site: Path, envs: tuple[str, ...]) -> None:
    for name in (*PAGES, *(f"history-{env}.html" for env in envs)):
        assert (site / name).is_file(), f"{name} is missing"
    for page, href in local_links(site):
        path = unquote(urlsplit(href).path)
        target = page if not path else (page.parent / path)
        assert target.resolve().is_file(), f"{page.name}: {href} leads nowhere"
        assert target.resolve().is_relative_to(site.resolve()), f"{page.name}: {href} leaves DIR"
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not FETCHING.search(text), f"{page.name} would fetch something"
        assert '<meta name="viewport"' in text  # laid out for a phone's width


def check_screenshots(site: Path, out: Path, pages: tuple[str, ...] = PAGES) -> None:
    """Each page painted, not blank, as wide as the window at both widths (nothing pushes a
    phone's page sideways but the wide charts, which scroll in their own box)."""
    for label, (width, height) in WIDTHS.items():
        for name in pages:
            dom, pixels = shoot(site / name, width, height, out / f"{label}-{name}.png")
            assert pixels.shape == (height, width, 3)
            assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 20, f"{name} looks blank"
            assert "<h1>" in dom and "<nav" in dom
