"""Reporters for the decision ledger: its records as a table, a verification's problems."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from o16n.lifecycle.ledger import Verification


def verification_to_text(verification: Verification, console: Console) -> None:
    """Each problem on its line, then the count; or, when there is none, what was checked."""
    problems = verification.problems
    for problem in problems:
        console.print(escape(str(problem)), highlight=False)
    if problems:
        count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
        console.print(f"{count}: the ledger cannot be trusted", highlight=False)
        return
    checked = [f"{verification.records} records", "chain intact"]
    if verification.records:
        checked.append(f"signed by keys {verification.trusted} trusts")
    checked.append("lineage matches")
    if verification.deployments is not None:
        checked.append(f"{verification.deployments} GitHub deployments match")
    console.print(escape(", ".join(checked)), highlight=False)


def records_to_text(records: Iterable[Mapping[str, Any]], console: Console) -> None:
    table = Table()
    for name in ("seq", "time", "stage", "model", "verdict", "actor"):
        table.add_column(name, overflow="fold")
    for name in ("commit", "hash"):  # ids are never cut
        table.add_column(name, no_wrap=True, min_width=12 if name == "hash" else 7)
    for record in records:
        model = record.get("model") or {}
        stage = " ".join(str(s) for s in (record.get("stage"), record.get("env")) if s)
        version = " ".join(str(v) for v in (model.get("name"), model.get("version")) if v)
        commit = str((record.get("inputs") or {}).get("commit") or "")[:7]
        cells = (record.get("seq"), record.get("time"), stage, version, record.get("verdict"))
        table.add_row(
            *(escape(str(c or "")) for c in cells),
            escape(str(record.get("actor") or "")),
            commit,
            str(record.get("hash") or "")[:12],
        )
    console.print(table)
