"""The style names reporters write in rich markup ("ok", "warn", "fail", "step") and their look."""

from __future__ import annotations

from rich.theme import Theme

THEME = Theme({"ok": "green", "fail": "bold red", "warn": "yellow", "step": "bold cyan"})
