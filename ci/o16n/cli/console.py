"""Terminal output. rich picks colour for a terminal and turns plain for a pipe or `NO_COLOR`."""

from __future__ import annotations

import os

from rich.console import Console
from rich.markup import escape

from o16n.report.theme import THEME


def make_console(*, stderr: bool = False, no_color: bool = False) -> Console:
    plain = no_color or "NO_COLOR" in os.environ
    # color_system=None drops every style (bold too), not only colours: plain means plain.
    return Console(
        stderr=stderr,
        theme=THEME,
        color_system=None if plain else "auto",
        highlight=False,
        soft_wrap=True,
    )


def warn(text: str, *, no_color: bool = False) -> None:
    """A warning on stderr: something the user should act on that does not fail the command
    (stdout stays the command's output, JSON included)."""
    make_console(stderr=True, no_color=no_color).print(
        f"[warn]warning:[/] {escape(text)}", highlight=False
    )
