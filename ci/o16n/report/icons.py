"""Status icons as inline SVG, so an HTML report shows them on a machine with no emoji font
(a CI runner's headless browser, a locked-down laptop) instead of empty boxes.

Markdown for GitHub keeps its emoji (GitHub draws them itself); `html_icons` swaps those emoji
for these drawings when a Markdown report is rendered into an HTML page.
"""

from __future__ import annotations

import html

# The look of each status: colour, and the mark drawn in a 16×16 box (stroke paths).
_COLOURS = {"ok": "#067647", "warn": "#b54708", "fail": "#b42318", "skip": "#667085"}
_MARKS = {
    "ok": "M4.5 8.5l2.5 2.5 4.5-5.5",  # a tick
    "fail": "M5 5l6 6M11 5l-6 6",  # a cross
    "warn": "M8 4.2v4.6M8 11.2v.6",  # an exclamation mark
    "skip": "M4.5 8h7",  # a dash
}
# What each emoji the Markdown reporters write stands for.
EMOJI = {
    "✅": "ok",
    "❌": "fail",
    "⚠️": "warn",
    "⚠": "warn",
    "🟨": "warn",
    "💥": "fail",
    "⏭️": "skip",
    "⏭": "skip",
}
_ALT = {"ok": "passed", "warn": "warning", "fail": "failed", "skip": "skipped"}


def svg(status: str, size: int = 16) -> str:
    """A filled circle in the status's colour with a white mark; unknown statuses draw as skip."""
    key = status if status in _MARKS else "skip"
    return (
        f'<svg class="icon" width="{size}" height="{size}" viewBox="0 0 16 16" role="img" '
        f'aria-label="{html.escape(_ALT[key])}" '
        f'style="display:inline-block;width:{size}px;height:{size}px;vertical-align:-3px">'
        f'<circle cx="8" cy="8" r="8" fill="{_COLOURS[key]}"/>'
        f'<path d="{_MARKS[key]}" stroke="#fff" stroke-width="2" fill="none" '
        'stroke-linecap="round" stroke-linejoin="round"/></svg>'
    )


def html_icons(rendered: str) -> str:
    """HTML rendered from o16n's Markdown with each status emoji replaced by its SVG icon.

    Longer emoji first, so "⚠️" (with its variation selector) is replaced whole, not as "⚠".
    Text from outside was escaped before rendering, so an emoji in a rule's message is replaced
    too: harmless, the icon means what the emoji did.
    """
    for emoji in sorted(EMOJI, key=len, reverse=True):
        rendered = rendered.replace(emoji, svg(EMOJI[emoji]))
    return rendered
