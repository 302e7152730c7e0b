"""report.icons: status icons drawn as SVG, so HTML needs no emoji font."""

from __future__ import annotations

import re

from o16n.report import icons
from o16n.report.health import to_html
from tests.unit.report.sample import sample_report

EMOJI = re.compile("[\u2600-\u27bf\U0001f300-\U0001faff\ufe0f]")


def test_each_status_is_a_circle_and_a_mark_with_a_name_for_screen_readers() -> None:
    for status, name in (("ok", "passed"), ("warn", "warning"), ("fail", "failed")):
        drawn = icons.svg(status)
        assert drawn.startswith('<svg class="icon" width="16" height="16"')
        assert f'aria-label="{name}"' in drawn and "<circle" in drawn and "<path" in drawn
    assert 'aria-label="skipped"' in icons.svg("anything else")


def test_html_icons_replaces_every_emoji_whole_variation_selector_included() -> None:
    rendered = icons.html_icons("<td>⚠️ warn</td><td>✅</td><td>❌</td><td>⏭️</td><td>⚠</td>")
    assert not EMOJI.search(rendered)
    assert rendered.count('aria-label="warning"') == 2 and rendered.count("<svg") == 5


def test_the_health_page_has_no_emoji() -> None:
    page = to_html(sample_report())
    assert not EMOJI.search(page.replace("Zürich", ""))
