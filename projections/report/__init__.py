"""`ledger report`: one self-contained HTML page for managers and auditors, readable offline."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ledger.outputs import replaced_whole
from projections.report.figures import ReportData, ReportOptions, gather
from projections.report.html import render
from projections.service import Projections

__all__ = ["ReportData", "ReportOptions", "build_report", "write_report"]


def build_report(projections: Projections, options: ReportOptions) -> str:
    """The report's HTML as of `options.when`."""
    return render(gather(projections, options), generated_at=dt.datetime.now(dt.UTC))


def write_report(projections: Projections, options: ReportOptions, out: Path) -> int:
    """Write the report to `out` (atomically); return its size in bytes."""
    content = build_report(projections, options).encode("utf-8")
    with replaced_whole(out) as partial:
        partial.write_bytes(content)
    return len(content)
