"""The report's coverage section: by province and by district, largest gaps first."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from ledger.application import Ledger
from ledger.population import import_population
from projections.report import ReportOptions, build_report
from projections.service import Projections


def _enrol(beneficiary: str, district: str) -> dict[str, str]:
    return {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": district, "sex": "F",
            "birth_date": "2021-01-01"}


def test_the_report_shows_coverage_lowest_first_by_province_and_district(
    ledger: Ledger, tmp_path: Path
) -> None:
    ledger.record_dicts([
        {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
         "name": "MCW", "benefit": "cash"},
        *({"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
           "district": d} for d in ("1703", "1701", "1306")),
        _enrol("C1", "1703"), _enrol("C2", "1703"), _enrol("C3", "1701"), _enrol("C4", "1306"),
    ], operator="t")
    figures = tmp_path / "p.csv"
    figures.write_text(
        "district,sex,age_band,year,population,source\n"
        "1703,F,0-1,2021,4,census\n1701,F,0-1,2021,10,census\n1306,F,0-1,2021,2,census\n",
        encoding="utf-8",
    )
    import_population(ledger.store, figures)
    with Projections.of_store(ledger.store, path=tmp_path / "p.duckdb") as projections:
        page = build_report(
            projections, ReportOptions(projections.point_in_time(dt.date(2021, 12, 31)))
        )
    section = page[page.index('id="coverage"'):]
    tips = re.findall(r"<title>([^<]+: [0-9.]+%)</title>", section)
    assert tips == [
        # Attapeu: 3 of 14 (21.4 %) before Savannakhet: 1 of 2.
        "Attapeu: 21.4%", "Savannakhet: 50.0%",
        # Xaysettha (1701) 1 of 10; then Nong (1306) 1 of 2 and Sanamxay (1703) 2 of 4, a tie
        # broken by code.
        "Xaysettha (1701): 10.0%", "Nong (1306): 50.0%", "Sanamxay (1703): 50.0%",
    ]
