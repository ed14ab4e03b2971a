"""`report` shows who recorded the events, as the store proved it (SPEC §12): one row per login
or OS user, with how many of its events a restore appended."""

from __future__ import annotations

import os
import pwd
import re
from pathlib import Path

from audit_support import SITTINGS
from report_support import AS_OF

from ledger.bootstrap import open_ledger
from projections import Projections
from projections.report import ReportOptions, write_report
from projections.report.recorders import recorders


def test_the_report_names_who_recorded_the_events_and_how_many_were_restored(
    tmp_path: Path,
) -> None:
    ledger = open_ledger(str(tmp_path / "ledger.db"), create=True)
    try:
        first, second, third = SITTINGS
        ledger.record_dicts([{**line, "recorded_by": "vte_ops"} for line in first],
                            operator="tests", historical=True)
        ledger.record_dicts(second, operator="tests", historical=True)
        ledger.record_dicts([{k: v for k, v in line.items() if k != "recorded_at"}
                             for line in third], operator="tests")
        who = recorders(ledger.store)
        out = tmp_path / "report.html"
        with Projections.of_store(ledger.store, path=tmp_path / "facts.duckdb") as projections:
            write_report(projections, ReportOptions(projections.point_in_time(AS_OF),
                                                    recorders=who), out)
    finally:
        ledger.close()

    me = pwd.getpwuid(os.geteuid()).pw_name
    assert who is not None
    assert [(r.recorded_by, r.events, r.restored) for r in who] == \
        sorted([("vte_ops", len(first), len(first)), (None, len(second), len(second)),
                (me, len(third), 0)], key=lambda r: (-r[1], r[0] or ""))
    page = out.read_text(encoding="utf-8")
    section = re.search(r'<h3 id="recorded-by">.*?</table>', page, re.S)
    assert section is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", section.group(0))
    assert ["vte_ops", str(len(first)), str(len(first))] == cells[
        cells.index("vte_ops"):cells.index("vte_ops") + 3]
    assert "(not known)" in cells and me in cells
