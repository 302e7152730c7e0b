"""What commands write besides the terminal: report files under --reports."""

from __future__ import annotations

from pathlib import Path

from o16n.adapters.files import write_text_atomic
from o16n.policy.run import Judged
from o16n.report import decision


def write_reports(folder: Path, files: dict[str, str]) -> None:
    """Each report file whole (a temp file, then a rename), in the order given."""
    for name, text in files.items():
        write_text_atomic(folder / name, text)


def write_decision(reports: Path, judged: Judged) -> None:
    """decision.json and decision.md, as check, gate and deploy write them."""
    write_reports(reports, decision.report_files(judged))
