"""The site's charts, inline SVG drawn by hand (no scripts, nothing fetched): a trend of one
value across versions, the swimlane of each environment's deploys, promotions and rollbacks,
and the heatmap of monitor runs by column drift. Each has a <title> per mark, which a browser
shows on hover and a screen reader reads; the page has the same figures in tables.

The SVG primitives (the element with its label, text, round ticks) are the health report's."""

from __future__ import annotations

import math
from collections.abc import Sequence

from o16n.lifecycle.history import instant
from o16n.lifecycle.site import Drift, MonitorRun, Move
from o16n.numbers import number
from o16n.report.health import _e, _nice_step, _short, _svg_open, _svg_text

LINE = "#4c78a8"
ACTION_COLOURS = {
    "deploy": "#4c78a8",
    "promote": "#067647",
    "rollback": "#b54708",
    "refused": "#b42318",
}
DRIFTED, STEADY, UNTESTED = "#f04438", "#a6f4c5", "#eaecf0"


def trend(label: str, points: Sequence[tuple[str, float | None]]) -> str:
    """One value per version, joined by a line; a version without the value leaves a gap."""
    width, height, left, right, top, bottom = 480.0, 190.0, 60.0, 28.0, 14.0, 150.0
    values = [v for _, v in points if v is not None and math.isfinite(v)]
    low, high = (min(values), max(values)) if values else (0.0, 1.0)
    share = bool(values) and low >= 0 and high <= 1  # a score or a rate: the axis stays in [0, 1]
    if high == low:
        low, high = low - (abs(low) or 1) * 0.05, high + (abs(high) or 1) * 0.05
    step = _nice_step(high - low, 4)
    low, high = math.floor(low / step) * step, math.ceil(high / step) * step
    if share:
        low, high = max(low, 0.0), min(high, 1.0)
    span = len(points) - 1 or 1

    def x(i: int) -> float:
        return left + (width - left - right) * (i / span if len(points) > 1 else 0.5)

    def y(v: float) -> float:
        return bottom - (bottom - top) * (v - low) / (high - low)

    parts = [_svg_open(width, height, label)]
    places = _places(step)
    for k in range(round((high - low) / step) + 1):
        tick = low + k * step  # not a running sum: no drift past the last tick
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(tick):.1f}" y2="{y(tick):.1f}" '
            'stroke="#eaecf0"/>'
        )
        parts.append(_svg_text(left - 6, y(tick) + 4, f"{tick:,.{places}f}", 11, "end"))
    path, gap = [], True
    for i, (_, value) in enumerate(points):
        if value is None or not math.isfinite(value):
            gap = True
            continue
        path.append(f"{'M' if gap else 'L'}{x(i):.1f},{y(value):.1f}")
        gap = False
    if path:
        parts.append(f'<path d="{" ".join(path)}" fill="none" stroke="{LINE}" stroke-width="2"/>')
    every = max(1, math.ceil(len(points) / 8))  # at most about 8 labels under the axis
    for i, (name, value) in enumerate(points):
        if value is not None and math.isfinite(value):
            parts.append(
                f'<circle cx="{x(i):.1f}" cy="{y(value):.1f}" r="3.5" fill="{LINE}">'
                f"<title>{_e(name)}: {_e(number(value))}</title></circle>"
            )
        if i % every == 0 or i == len(points) - 1:
            parts.append(_svg_text(x(i), bottom + 18, _e(_short(name, 9)), 11, "middle"))
    return "".join(parts) + "</svg>"


def _places(step: float) -> int:
    """The decimals that tell ticks `step` apart (0.0005 -> 4, 2.5 -> 1, 2,000 -> 0): four
    significant digits of 0.99855 and 0.9986 would print the same."""
    for places in range(12):
        if abs(round(step, places) - step) <= step * 1e-9:
            return places
    return 12


def _actual_size(svg: str, width: float, height: float) -> str:
    """A wide chart drawn at its own size (the page scrolls it sideways), not shrunk to fit."""
    return svg.replace(
        "<svg ", f'<svg class="actual" width="{width:.0f}" height="{height:.0f}" ', 1
    )


def swimlane(envs: Sequence[str], moves: Sequence[Move]) -> str:
    """One lane per environment, time left to right; a mark per move, coloured by its action,
    the version it put in place written above it."""
    lane, left, right, top = 54.0, 104.0, 24.0, 30.0
    width = max(900.0, left + right + 16.0 * len(moves))  # marks stay apart on a long history
    height = top + lane * max(len(envs), 1) + 36
    times = [instant(m.time).timestamp() for m in moves]
    first, last = (min(times), max(times)) if times else (0.0, 1.0)
    spread = (last - first) or 1.0

    def x(t: float) -> float:
        return left + (width - left - right) * (t - first) / spread if len(moves) > 1 else 480.0

    parts = [_svg_open(width, height, "deploys, promotions and rollbacks per environment")]
    for i, env in enumerate(envs):
        middle = top + lane * i + lane / 2
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{middle}" y2="{middle}" '
            'stroke="#d0d5dd" stroke-width="2"/>'
        )
        parts.append(_svg_text(8, middle + 4, _e(_short(env, 12)), 12))
    row = {env: i for i, env in enumerate(envs)}
    labelled: dict[str, float] = {}  # per lane, where the last version label went
    for move, t in zip(moves, times, strict=True):
        middle = top + lane * row.get(move.env, 0) + lane / 2
        colour = ACTION_COLOURS.get(move.action, LINE)
        shape = (
            f'<rect x="{x(t) - 6:.1f}" y="{middle - 6:.1f}" width="12" height="12" '
            f'fill="{colour}" transform="rotate(45 {x(t):.1f} {middle:.1f})">'
            if move.action in ("rollback", "refused")
            else f'<circle cx="{x(t):.1f}" cy="{middle:.1f}" r="7" fill="{colour}">'
        )
        end = "</rect>" if shape.startswith("<rect") else "</circle>"
        what = f"{move.time} {move.action} {move.version} to {move.env} by {move.actor}"
        parts.append(f"{shape}<title>{_e(what)}</title>{end}")
        if x(t) - labelled.get(move.env, -1e9) >= 44:  # labels that would overlap are left out
            parts.append(_svg_text(x(t), middle - 12, _e(_short(move.version, 8)), 10, "middle"))
            labelled[move.env] = x(t)
    x0 = left
    for action, colour in ACTION_COLOURS.items():
        parts.append(
            f'<circle cx="{x0:.1f}" cy="{height - 14:.1f}" r="5" fill="{colour}"/>'
            + _svg_text(x0 + 9, height - 10, action, 11)
        )
        x0 += 90
    return _actual_size("".join(parts) + "</svg>", width, height)


def heatmap(runs: Sequence[MonitorRun], columns: Sequence[str]) -> str:
    """Monitor runs down, columns across; a cell is red where the column drifted in that run,
    green where it did not, grey where it was not tested."""
    cell, left, top = 22.0, 150.0, 96.0
    width = left + cell * max(len(columns), 1) + 16
    height = top + cell * max(len(runs), 1) + 8
    parts = [_svg_open(width, height, "column drift per monitor run")]
    for j, column in enumerate(columns):
        cx = left + cell * j + cell / 2
        parts.append(
            f'<text x="{cx:.1f}" y="{top - 6:.1f}" font-size="10" '
            f'transform="rotate(-55 {cx:.1f} {top - 6:.1f})">{_e(_short(column, 16))}</text>'
        )
    for i, run in enumerate(runs):
        y = top + cell * i
        parts.append(_svg_text(4, y + cell * 0.7, _e(_short(run.time or run.name, 22)), 10))
        for j, column in enumerate(columns):
            drift = run.drift.get(column)
            parts.append(
                f'<rect x="{left + cell * j:.1f}" y="{y:.1f}" width="{cell - 2:.1f}" '
                f'height="{cell - 2:.1f}" rx="3" fill="{_shade(drift)}">'
                f"<title>{_e(_tip(run, column, drift))}</title></rect>"
            )
    return _actual_size("".join(parts) + "</svg>", width, height)


def _shade(drift: Drift | None) -> str:
    if drift is None or drift.method == "none":
        return UNTESTED
    return DRIFTED if drift.drifted else STEADY


def _tip(run: MonitorRun, column: str, drift: Drift | None) -> str:
    if drift is None or drift.method == "none":
        return f"{run.name} {column}: not tested"
    state = "drifted" if drift.drifted else "no drift"
    return (
        f"{run.name} {column}: {state} ({drift.method} {number(drift.value)}, "
        f"threshold {number(drift.threshold)})"
    )
