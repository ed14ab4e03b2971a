"""A small, fixed history with a late recording, a retraction, a reversal, a transfer and an exit —
the worked example of docs/analysts.md, with the figures it gives worked out by hand."""

from __future__ import annotations

from typing import Any

LAO = "+07:00"


def _line(event: str, effective: str, recorded: str, **fields: Any) -> dict[str, Any]:
    return {"event": event, "effective_date": effective,
            "recorded_at": f"{recorded}T09:00:00{LAO}", **fields}


PILOT: list[dict[str, Any]] = [
    _line("ProgrammeRegistered", "2021-06-01", "2021-06-01", programme="mcw",
          name="Mother and Early Childhood Grant", benefit="cash"),
    _line("DistrictExpanded", "2021-06-18", "2021-06-18", programme="mcw", district="1703"),
    _line("DistrictExpanded", "2021-06-18", "2021-06-18", programme="mcw", district="1306"),
    _line("BeneficiaryEnrolled", "2021-06-18", "2021-06-18", programme="mcw", beneficiary="B1",
          district="1703", sex="F", birth_date="1995-03-10"),
    _line("BeneficiaryEnrolled", "2021-06-18", "2021-06-18", programme="mcw", beneficiary="B2",
          district="1306", sex="F"),
    _line("BeneficiaryEnrolled", "2021-06-20", "2021-06-20", programme="mcw", beneficiary="B3",
          district="1703", sex="M", birth_date="2020-01-05"),
    _line("BeneficiaryEnrolled", "2021-07-05", "2021-07-05", programme="mcw", beneficiary="B5",
          district="1306", sex="M", id="enrol-B5"),
    _line("EventRetracted", "2021-07-10", "2021-07-10", retracts="enrol-B5",
          reason="entered in the wrong programme"),
    _line("PaymentRecorded", "2021-08-12", "2021-08-12", programme="mcw", beneficiary="B1",
          payment="P1", amount="300000", period="2021-08"),
    _line("PaymentRecorded", "2021-08-12", "2021-08-12", programme="mcw", beneficiary="B3",
          payment="P2", amount="300000", period="2021-08"),
    _line("PaymentReversed", "2021-08-20", "2021-08-20", programme="mcw", payment="P2",
          reason="paid twice"),
    _line("BeneficiaryTransferred", "2021-09-01", "2021-09-01", programme="mcw",
          beneficiary="B3", district="1306"),
    # The late recording: enrolled on 1 July, but only written down in mid-September.
    _line("BeneficiaryEnrolled", "2021-07-01", "2021-09-15", programme="mcw", beneficiary="B4",
          district="1703", sex="F", birth_date="1988-11-30"),
    _line("PaymentRecorded", "2021-10-12", "2021-10-12", programme="mcw", beneficiary="B3",
          payment="P3", amount="150000.50", period="2021-10"),
    _line("BeneficiaryExited", "2021-10-31", "2021-11-02", programme="mcw", beneficiary="B2",
          reason="graduated"),
]
