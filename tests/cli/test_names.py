"""Names beside codes: in the tables printed for people, not in JSON or CSV for scripts."""

from __future__ import annotations

import json

from click.testing import CliRunner

from cli.main import cli
from ledger.application import Ledger

HISTORY = [
    {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
     "name": "MCW", "benefit": "cash"},
    {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
     "district": "1703"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-18", "programme": "mcw",
     "beneficiary": "C1", "district": "1703", "sex": "F"},
]


def test_history_and_counts_tables_name_the_district_and_json_keeps_the_codes(
    ledger: Ledger, store_url: str
) -> None:
    ledger.record_dicts(HISTORY, operator="t")
    runner = CliRunner()
    table = runner.invoke(cli, ["--store", store_url, "history", "--district", "1703"])
    assert table.exit_code == 0, table.output
    header = table.output.splitlines()[0].split()
    assert header[header.index("district") + 1] == "district_name"
    assert "SANAMXAY" in table.output
    rows = json.loads(runner.invoke(cli, ["--store", store_url, "history", "--district", "1703",
                                          "--format", "json"]).output)
    assert rows and all("district_name" not in r for r in rows)
    counts = runner.invoke(cli, ["--store", store_url, "counts", "--as-of", "2021-12-31",
                                 "--by", "province,district"])
    assert counts.output.splitlines()[2].split() == [
        "province", "province_name", "district", "district_name", "beneficiaries"]
    assert counts.output.splitlines()[4].split() == ["17", "ATTAPEU", "1703", "SANAMXAY", "1"]
