"""Reporters for release verification: who signed a verified release, or each problem found
(`o16n verify`), and a deploy or rollback refused because its release does not verify."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from o16n.adapters.manifest import UNSIGNED_HINT, Trust, Verdict


def verdict_to_text(verdict: Verdict, what: str, trust: Trust, console: Console) -> None:
    """`what` (the bundle) verified, with signer and fingerprint; else every problem."""
    manifest = verdict.manifest
    if verdict.ok and manifest is not None:
        console.print(
            f"[ok]verified[/] {escape(manifest.tag)} ({manifest.commit[:12]}): signed by "
            f"{escape(verdict.signer)}, trusted by {escape(trust.source)}; "
            f"{len(manifest.files)} files match the signed manifest",
            highlight=False,
        )
        return
    console.print(f"[fail]NOT VERIFIED[/]: {escape(what)}", highlight=False)
    problems_to_text(verdict.problems, console)


def problems_to_text(problems: Sequence[str], console: Console) -> None:
    for problem in problems:
        console.print(f"  - {escape(problem)}", highlight=False)
    if any(p.startswith("unsigned") for p in problems):
        console.print(f"  hint: {escape(UNSIGNED_HINT)}", highlight=False)


def refused_to_text(verb: str, source: str, problems: Sequence[str], console: Console) -> None:
    """A deploy or rollback that wrote nothing: its release does not verify."""
    console.print(
        f"[fail]refused[/]: {escape(verb)}: the release does not verify ({escape(source)}); "
        "nothing was written or committed",
        highlight=False,
    )
    problems_to_text(problems, console)
