"""The pilot's report, built once per test from a fresh SQLite ledger."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from audit_support import record_pilot

from ledger.audit.verify import verify
from ledger.bootstrap import open_ledger
from projections import Projections
from projections.report import ReportOptions, write_report

AS_OF = dt.date(2021, 12, 31)


def pilot_report(folder: Path) -> Path:
    """Record the pilot, verify it and write its report as of 2021-12-31; return the file."""
    ledger = open_ledger(str(folder / "ledger.db"), create=True)
    try:
        record_pilot(ledger)
        checked = verify(ledger.store)
        out = folder / "report.html"
        with Projections.of_store(ledger.store, path=folder / "facts.duckdb") as projections:
            write_report(projections, ReportOptions(projections.point_in_time(AS_OF),
                                                    verification=checked), out)
        return out
    finally:
        ledger.close()
