"""The lines of a file, kept column by column (Arrow) until the file is checked and recorded.

A national file has millions of lines; as Python objects they would not fit in memory, as
columns they take a few hundred bytes each. Each window of lines becomes one Arrow record batch.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from ledger.domain.ids import enrolment_id, programme_id
from ledger.facts import Fact

_TEXT = (
    "kind", "timeline", "event", "event_id", "digest", "programme", "beneficiary", "district",
    "sex", "household", "name", "benefit", "currency", "payment", "amount", "period", "reason",
    "retracts", "operator", "note",
)
_DAYS = ("effective_date", "recorded_day", "birth_date")

SCHEMA = pa.schema([
    ("seq", pa.int64()), ("line", pa.int32()),
    *((name, pa.string()) for name in _TEXT),
    *((name, pa.date32()) for name in _DAYS),
])

_PROGRAMME_EVENTS = frozenset({"ProgrammeRegistered", "DistrictExpanded", "DistrictWithdrawn"})


class FileColumns:
    """The facts of one file, in file order, as Arrow record batches."""

    def __init__(self) -> None:
        self.batches: list[pa.RecordBatch] = []
        self._open: dict[str, list[Any]] = {name: [] for name in SCHEMA.names}
        self.count = 0

    def add(self, fact: Fact, seq: int, event_id: str, digest: str, recorded_day: dt.date,
            operator: str, owner: str | None) -> None:
        """One fact; `owner` is the recorded timeline a reversal or a retraction joins."""
        fields = fact.fields
        event = fact.event
        programme = fields.get("programme")
        beneficiary = fields.get("beneficiary")
        kind: str | None
        timeline: str | None
        if event in _PROGRAMME_EVENTS:
            kind, timeline = "programme", programme_id(programme).hex
        elif beneficiary is not None:
            kind, timeline = "enrolment", enrolment_id(programme, beneficiary).hex
        else:  # a reversal or a retraction: the timeline of what it names
            kind, timeline = ("enrolment" if event == "PaymentReversed" else None), owner
        amount = fields.get("amount")
        o = self._open
        o["seq"].append(seq)
        o["line"].append(fact.origin.line)
        o["kind"].append(kind)
        o["timeline"].append(timeline)
        o["event"].append(event)
        o["event_id"].append(event_id)
        o["digest"].append(digest)
        o["programme"].append(programme)
        o["beneficiary"].append(beneficiary)
        o["district"].append(fields.get("district"))
        o["sex"].append(fields.get("sex"))
        o["household"].append(fields.get("household"))
        o["name"].append(fields.get("name"))
        o["benefit"].append(fields.get("benefit"))
        o["currency"].append(fields.get("currency"))
        o["payment"].append(fields.get("payment"))
        o["amount"].append(None if amount is None else str(amount))
        o["period"].append(fields.get("period"))
        o["reason"].append(fields.get("reason"))
        o["retracts"].append(fields.get("retracts"))
        o["operator"].append(operator)
        o["note"].append(fact.note)
        o["effective_date"].append(fact.effective_date)
        o["recorded_day"].append(recorded_day)
        o["birth_date"].append(fields.get("birth_date"))
        self.count += 1

    def seal(self) -> None:
        """Turn the lines added since the last seal into one record batch."""
        if not self._open["seq"]:
            return
        self.batches.append(pa.record_batch(
            [pa.array(self._open[name], type=SCHEMA.field(name).type) for name in SCHEMA.names],
            schema=SCHEMA,
        ))
        for values in self._open.values():
            values.clear()

    def table(self) -> pa.Table:
        self.seal()
        return pa.Table.from_batches(self.batches, schema=SCHEMA)
