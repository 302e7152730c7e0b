"""What commands write besides the terminal: report files under --reports, the job summary."""

from __future__ import annotations

import os
from pathlib import Path

from o16n.adapters.files import write_text_atomic
from o16n.policy.run import Judged
from o16n.report import decision as report


def write_reports(folder: Path, files: dict[str, str]) -> None:
    """Each report file whole (a temp file, then a rename), in the order given."""
    for name, text in files.items():
        write_text_atomic(folder / name, text)


def write_decision(reports: Path, judged: Judged) -> None:
    """decision.json and decision.md, as check, gate and deploy write them."""
    write_reports(reports, report.files(judged))


def append_job_summary(markdown: str) -> None:
    """Add to the GitHub Actions job summary, when there is one (GITHUB_STEP_SUMMARY)."""
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(markdown)
