"""Terminal output. rich picks colour for a terminal and turns plain for a pipe or `NO_COLOR`.

rich costs 0.04 s to import, a tenth of what `o16n profile` takes on a million rows: the console
a command gets is made on first use, and a plain line (no markup, no emoji code, printable) is
written as it is, which is what rich writes for it with soft wrap and no highlighting.
"""

from __future__ import annotations

import os
import re
import sys
from typing import TYPE_CHECKING, Any, cast

if TYPE_CHECKING:
    from rich.console import Console

_EMOJI = re.compile(r":[\w+-]+:")  # rich's emoji codes (:smile:), which it replaces


def make_console(*, stderr: bool = False, no_color: bool = False) -> Console:
    plain = no_color or "NO_COLOR" in os.environ
    return cast("Console", _Lazy(stderr, plain))  # a Console in all but when rich loads


def _rich_console(stderr: bool, plain: bool) -> Console:
    from rich.console import Console

    from o16n.report.theme import THEME

    # color_system=None drops every style (bold too), not only colours: plain means plain.
    return Console(
        stderr=stderr,
        theme=THEME,
        color_system=None if plain else "auto",
        highlight=False,
        soft_wrap=True,
    )


class _Lazy:
    """The rich Console, made when first needed; until then a plain line is written directly
    (to the stream of the moment, as rich does)."""

    def __init__(self, stderr: bool, plain: bool) -> None:
        self._stderr, self._plain = stderr, plain
        self._console: Console | None = None

    def _real(self) -> Console:
        if self._console is None:
            self._console = _rich_console(self._stderr, self._plain)
        return self._console

    def print(self, *objects: Any, **options: Any) -> None:
        if self._console is None and _plain_line(objects, options):
            stream = sys.stderr if self._stderr else sys.stdout
            stream.write(f"{objects[0]}\n")
            return
        self._real().print(*objects, **options)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real(), name)


def _plain_line(objects: tuple[Any, ...], options: dict[str, Any]) -> bool:
    if len(objects) != 1 or not isinstance(objects[0], str) or options.get("highlight"):
        return False
    if set(options) - {"highlight"}:
        return False
    text = objects[0]
    return text.isprintable() and "[" not in text and not _EMOJI.search(text)


def warn(text: str, *, no_color: bool = False) -> None:
    """A warning on stderr: something the user should act on that does not fail the command
    (stdout stays the command's output, JSON included)."""
    from rich.markup import escape

    make_console(stderr=True, no_color=no_color).print(
        f"[warn]warning:[/] {escape(text)}", highlight=False
    )
