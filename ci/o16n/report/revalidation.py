"""The revalidation reminder's text (the GitHub issue `o16n monitor --github` keeps open while
a revalidation falls due) and its terminal line."""

from __future__ import annotations

from collections.abc import Sequence

from o16n.lifecycle.revalidation import Standing, reminder_marker


def line(standing: Standing) -> str:
    facts = standing.facts
    left = facts["days_left"]
    when = f"{-left} day(s) overdue" if left < 0 else f"in {left} day(s)"
    return f"{standing.env}: {standing.version} due {facts['due']} ({when})"


def reminder_body(model: str, due: Sequence[Standing], run_url: str | None) -> str:
    """The issue: which version in which environment falls due when, since which validation,
    and the command that renews it."""
    rows = [
        f"| {s.env} | {s.version} | {s.facts['validated'] or 'none'} "
        f"({s.facts['validated_by'] or 'no verified record'}) | {s.facts['due']} | "
        f"{'**overdue**' if s.facts['expired'] else str(s.facts['days_left']) + ' day(s)'} |"
        for s in due
    ]
    every = due[0].facts["every"] if due else ""
    run = f" ([run]({run_url}))" if run_url else ""
    return "\n".join(
        [
            reminder_marker(model),
            f"## Revalidation of {model} falls due{run}",
            "",
            f"o16n.yaml asks for a revalidation every {every}. Until one passes, the deploy gate "
            "refuses these versions once due (rule `revalidation-current`).",
            "",
            "| environment | version | last validated | due | left |",
            "|---|---|---|---|---|",
            *rows,
            "",
            "To renew: check out the version's commit and run "
            "`o16n gate --stage revalidate --env ENV` with O16N_SIGNING_KEY set, then commit the "
            "ledger. This issue is updated by each monitor run while a revalidation is due.",
        ]
    )
