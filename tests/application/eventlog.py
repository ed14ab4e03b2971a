"""Event log v1 lines for application tests, and the two ways a test submits them.

Each builder returns one line as the dict a file would hold; envelope fields (`id`, `note`,
`operator`, `recorded_at`) are passed as keywords. `record` expects a batch to be recorded;
`refused` expects it refused and checks that the store is unchanged.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.errors import BatchRefused
from ledger.interchange.schema import FieldError
from ledger.recording.receipt import Receipt

OPERATOR = "vientiane-clerk"
SANAMXAY = "1703"  # Attapeu: the 2021 grant pilot
NONG = "1306"  # Savannakhet: the other pilot district
XAYSETTHA = "1701"  # Attapeu: never covered unless a test expands it

Line = dict[str, Any]


def _line(event: str, on: str, fields: dict[str, Any], envelope: dict[str, Any]) -> Line:
    own = {key: value for key, value in fields.items() if value is not None}
    return {"event": event, "effective_date": on, **own, **envelope}


def registered(programme: str = "mcw", *, on: str = "2021-06-01", benefit: str = "cash",
               name: str = "Mother and Early Childhood Grant", currency: str | None = None,
               **envelope: Any) -> Line:
    return _line("ProgrammeRegistered", on,
                 {"programme": programme, "name": name, "benefit": benefit, "currency": currency},
                 envelope)


def expanded(district: str, *, programme: str = "mcw", on: str = "2021-06-18",
             **envelope: Any) -> Line:
    return _line("DistrictExpanded", on, {"programme": programme, "district": district}, envelope)


def withdrawn(district: str, *, programme: str = "mcw", on: str, **envelope: Any) -> Line:
    return _line("DistrictWithdrawn", on, {"programme": programme, "district": district}, envelope)


def enrolled(beneficiary: str, district: str = SANAMXAY, *, programme: str = "mcw",
             on: str = "2021-06-20", sex: str = "F", birth_date: str | None = None,
             household: str | None = None, **envelope: Any) -> Line:
    return _line("BeneficiaryEnrolled", on,
                 {"programme": programme, "beneficiary": beneficiary, "district": district,
                  "sex": sex, "birth_date": birth_date, "household": household},
                 envelope)


def transferred(beneficiary: str, district: str, *, programme: str = "mcw", on: str,
                **envelope: Any) -> Line:
    return _line("BeneficiaryTransferred", on,
                 {"programme": programme, "beneficiary": beneficiary, "district": district},
                 envelope)


def exited(beneficiary: str, *, programme: str = "mcw", on: str, reason: str = "graduated",
           **envelope: Any) -> Line:
    return _line("BeneficiaryExited", on,
                 {"programme": programme, "beneficiary": beneficiary, "reason": reason}, envelope)


def paid(beneficiary: str, payment: str, *, programme: str = "mcw", on: str = "2021-08-12",
         amount: Any = "300000", period: str | None = None, currency: str | None = None,
         **envelope: Any) -> Line:
    return _line("PaymentRecorded", on,
                 {"programme": programme, "beneficiary": beneficiary, "payment": payment,
                  "amount": amount, "period": period or on[:7], "currency": currency},
                 envelope)


def reversed_(payment: str, *, programme: str = "mcw", on: str,
              reason: str = "returned by the bank", **envelope: Any) -> Line:
    return _line("PaymentReversed", on,
                 {"programme": programme, "payment": payment, "reason": reason}, envelope)


def retracted(event_id: str, *, on: str = "2021-12-31", reason: str = "recorded by mistake",
              **envelope: Any) -> Line:
    return _line("EventRetracted", on, {"retracts": event_id, "reason": reason}, envelope)


def pilot() -> list[Line]:
    """MCW registered 2021-06-01, covering Sanamxay and Nong from 2021-06-18."""
    return [
        registered(id="mcw-registered"),
        expanded(SANAMXAY, id="sanamxay-expanded"),
        expanded(NONG, id="nong-expanded"),
    ]


# -- submitting ------------------------------------------------------------------------------


def record(ledger: Ledger, *lines: Line, historical: bool = False) -> Receipt:
    """Record one batch; it must be accepted (a refusal fails the test, showing every line)."""
    try:
        return ledger.record_dicts(lines, operator=OPERATOR, historical=historical)
    except BatchRefused as refusal:
        pytest.fail(f"{refusal}:\n{refusal.report()}")


def refused(ledger: Ledger, *lines: Line, historical: bool = False) -> list[FieldError]:
    """Submit one batch that must be refused; check nothing was recorded and return the refusals."""
    before = ledger.store.max_position()
    with pytest.raises(BatchRefused) as refusal:
        ledger.record_dicts(lines, operator=OPERATOR, historical=historical)
    assert ledger.store.max_position() == before, "a refused batch must record nothing"
    return refusal.value.refusals


def import_refused(ledger: Ledger, path: Path, *, historical: bool = False) -> list[FieldError]:
    """Import a file that must be refused; check nothing was recorded and return the refusals."""
    before = ledger.store.max_position()
    with pytest.raises(BatchRefused) as refusal:
        ledger.import_file(path, operator=OPERATOR, historical=historical)
    assert ledger.store.max_position() == before, "a refused file must record nothing"
    return refusal.value.refusals


def only(refusals: list[FieldError]) -> FieldError:
    """The one refusal of a batch with one refused line."""
    assert len(refusals) == 1, [str(r) for r in refusals]
    return refusals[0]


def write_jsonl(path: Path, lines: list[Line]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


def assert_refusal(refusal: FieldError, *, field: str, rule: int | None, line: int = 1,
                   contradicts: str | None = None) -> None:
    """The refusal names the line, the field and the rule (and the fact it contradicts)."""
    assert refusal.origin.line == line, str(refusal)
    assert refusal.field == field, str(refusal)
    if rule is not None:
        assert f"[rule {rule}]" in refusal.reason, str(refusal)
    if contradicts is not None:
        assert f"(contradicts event {contradicts})" in refusal.reason, str(refusal)
