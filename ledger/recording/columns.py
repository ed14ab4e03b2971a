"""The lines of a file as columns: each window of lines becomes one Arrow record batch.

A national file has millions of lines; as Python objects they would not fit in memory. Each
window's batch goes to the rulebook's database (rulebook.py), which keeps the whole file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pyarrow as pa

from ledger.domain.ids import district_id, enrolment_id, programme_id
from ledger.facts import Fact

_TEXT = (
    "kind", "timeline", "event", "event_id", "digest", "programme", "beneficiary", "district",
    "sex", "household", "name", "benefit", "currency", "payment", "amount", "period", "reason",
    "retracts", "operator", "note", "province",
)
_LISTS = ("successors", "carved_from")  # a district's (SPEC §15)
_DAYS = ("effective_date", "recorded_day", "birth_date")

SCHEMA = pa.schema([
    ("seq", pa.int64()), ("line", pa.int32()),
    *((name, pa.string()) for name in _TEXT),
    *((name, pa.date32()) for name in _DAYS),
    *((name, pa.list_(pa.string())) for name in _LISTS),
])

_PROGRAMME_EVENTS = frozenset({"ProgrammeRegistered", "DistrictExpanded", "DistrictWithdrawn"})
_DISTRICT_EVENTS = frozenset({"DistrictEstablished", "DistrictRenamed", "DistrictRetired"})


def columns(facts: list[Fact], seqs: list[int], event_ids: list[str], digests: list[str],
            recorded_days: list[dt.date], operators: list[str],
            owners: list[str | None]) -> pa.RecordBatch:
    """A window's facts as one record batch, with what the batch gave each; an owner is the
    recorded timeline a reversal or a retraction joins."""
    fields = [fact.fields for fact in facts]
    events = [fact.event for fact in facts]
    programmes = [f.get("programme") for f in fields]
    beneficiaries = [f.get("beneficiary") for f in fields]
    kinds: list[str | None] = []
    timelines: list[str | None] = []
    for event, programme, beneficiary, owner in zip(events, programmes, beneficiaries, owners,
                                                    strict=True):
        if event in _PROGRAMME_EVENTS:
            kinds.append("programme")
            timelines.append(programme_id(programme).hex)
        elif event in _DISTRICT_EVENTS:  # one timeline per district code
            kinds.append("district")
            timelines.append(district_id(fields[len(kinds) - 1]["district"]).hex)
        elif beneficiary is not None:
            kinds.append("enrolment")
            timelines.append(enrolment_id(programme, beneficiary).hex)
        else:  # a reversal or a retraction: the timeline of what it names
            kinds.append("enrolment" if event == "PaymentReversed" else None)
            timelines.append(owner)
    named: dict[str, list[Any]] = {
        "seq": seqs, "line": [fact.origin.line for fact in facts], "kind": kinds,
        "timeline": timelines, "event": events, "event_id": event_ids, "digest": digests,
        "programme": programmes, "beneficiary": beneficiaries,
        "amount": [None if (a := f.get("amount")) is None else str(a) for f in fields],
        "operator": operators, "note": [fact.note for fact in facts],
        "effective_date": [fact.effective_date for fact in facts],
        "recorded_day": recorded_days,
    }
    for name in ("district", "sex", "household", "name", "benefit", "currency", "payment",
                 "period", "reason", "retracts", "birth_date", "province", "successors"):
        named[name] = [f.get(name) for f in fields]
    named["carved_from"] = [f.get("from") for f in fields]
    return pa.record_batch(
        [pa.array(named[name], type=SCHEMA.field(name).type) for name in SCHEMA.names],
        schema=SCHEMA,
    )
