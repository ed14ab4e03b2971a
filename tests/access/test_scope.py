"""Operators record only within their scope; a refusal names the line and the district, and
nothing from the file is recorded (SPEC §12). Real LOGIN roles on the real server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from access_support import Roles, jsonl

pytestmark = pytest.mark.postgres


def enrol(beneficiary: str, district: str) -> dict[str, Any]:
    return {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": district, "sex": "F"}


def pay(payment: str, beneficiary: str) -> dict[str, Any]:
    return {"event": "PaymentRecorded", "effective_date": "2021-08-12", "programme": "mcw",
            "beneficiary": beneficiary, "payment": payment, "amount": "300000", "period": "2021-08",
            "currency": "LAK"}


def transfer(beneficiary: str, district: str) -> dict[str, Any]:
    return {"event": "BeneficiaryTransferred", "effective_date": "2021-09-01", "programme": "mcw",
            "beneficiary": beneficiary, "district": district}


def test_an_operator_records_within_its_scope(roles: Roles, tmp_path: Path) -> None:
    before = roles.count()
    path = jsonl(tmp_path / "in.jsonl", [enrol("B-1701", "1701"), pay("P-1", "B-1703"),
                                         pay("P-2", "B-1701"), transfer("B-1701", "1703")])
    result = roles.run("operator", "import", str(path))
    assert result.exit_code == 0, result.output
    assert roles.count() == before + 4
    verified = roles.run("auditor", "verify")
    assert verified.exit_code == 0, verified.output


def test_out_of_scope_lines_are_refused_by_line_and_district(roles: Roles,
                                                             tmp_path: Path) -> None:
    before = roles.count()
    path = jsonl(tmp_path / "out.jsonl", [enrol("B-1701", "1701"), enrol("B-1306b", "1306"),
                                          pay("P-3", "B-1306"), pay("P-4", "B-1703")])
    result = roles.run("operator", "import", str(path))
    assert result.exit_code == 1
    login = roles.logins["operator"]
    assert (f"{path}:2: district: district 1306 is outside your scope ({login}: province 17)"
            in result.output)
    assert (f"{path}:3: district: the beneficiary's district 1306 is outside your scope "
            f"({login}: province 17)") in result.output
    assert ":1:" not in result.output and ":4:" not in result.output
    assert "2 lines refused; nothing was recorded" in result.output
    assert roles.count() == before


def test_a_transfer_needs_both_ends_in_scope(roles: Roles, tmp_path: Path) -> None:
    before = roles.count()
    path = jsonl(tmp_path / "t.jsonl", [transfer("B-1703", "1306"), transfer("B-1306", "1701")])
    result = roles.run("operator", "import", str(path))
    assert result.exit_code == 1
    assert f"{path}:1: district: the destination district 1306 is outside" \
        in result.output
    assert f"{path}:2: district: the beneficiary's district 1306 is outside" in result.output
    assert roles.count() == before


def test_programme_events_need_an_admin(roles: Roles, tmp_path: Path) -> None:
    before = roles.count()
    lines = [
        {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "new",
         "name": "New", "benefit": "cash"},
        {"event": "DistrictExpanded", "effective_date": "2021-07-01", "programme": "mcw",
         "district": "1702"},
        {"event": "DistrictWithdrawn", "effective_date": "2021-07-01", "programme": "mcw",
         "district": "1701"},
        {"event": "EventRetracted", "effective_date": "2021-07-01", "retracts": "expand-1701",
         "reason": "mistake"},
    ]
    path = jsonl(tmp_path / "p.jsonl", lines)
    result = roles.run("operator", "import", str(path))
    assert result.exit_code == 1
    for line in (1, 2, 3):
        assert f"{path}:{line}: event: " in result.output
    assert f"{path}:4: event: a retraction of a programme event is a programme event" \
        in result.output
    assert "4 lines refused" in result.output
    assert roles.count() == before
    admin = roles.run("admin", "import", str(jsonl(tmp_path / "a.jsonl", lines[:2])))
    assert admin.exit_code == 0, admin.output
    assert roles.count() == before + 2


def test_an_admin_records_everywhere(roles: Roles, tmp_path: Path) -> None:
    before = roles.count()
    path = jsonl(tmp_path / "a.jsonl", [enrol("B-1306c", "1306"), pay("P-5", "B-1306"),
                                        transfer("B-1703", "1306")])
    result = roles.run("admin", "import", str(path))
    assert result.exit_code == 0, result.output
    assert roles.count() == before + 3
    assert roles.run("owner", "verify").exit_code == 0


@pytest.mark.parametrize("role", ["auditor", "analyst", "nobody"])
def test_other_logins_record_nothing(roles: Roles, tmp_path: Path, role: str) -> None:
    before = roles.count()
    result = roles.run(role, "import", str(jsonl(tmp_path / "x.jsonl", [enrol("B-x", "1701")])))
    assert result.exit_code == 1
    assert "records nothing" in result.output or "ledger access grant" in result.output, \
        result.output
    assert "Traceback" not in result.output
    assert roles.count() == before
