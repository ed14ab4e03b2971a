"""What a file touches in the geography (SPEC §15): the district timelines it names, and what a
retired (or un-established) district's facts are.

Every district a line names — the one it is in, those a new district is carved from, a retired
one's successors — has its timeline gathered, so the rules can tell whether it exists on the
line's date. A retirement, and a retraction of a district's event, can contradict facts of any
programme in that district: every programme timeline is gathered, and every enrolment ever
placed in the district.
"""

from __future__ import annotations

from uuid import UUID

import orjson
import pyarrow as pa
from eventsourcing.utils import get_topic

from ledger.domain.ids import district_id
from ledger.domain.programme import Programme
from ledger.storage.session import Session

_REGISTERED = get_topic(Programme.ProgrammeRegistered)
Loaded = dict[str, list[tuple[str, bytes]]]


def named(districts: set[str], file_lines: pa.Table) -> set[str]:
    """The timelines (hex) of every district the file's lines name: `districts`, and the
    successors and origins its geography lines (`file_lines`) give."""
    codes = set(districts)
    for name in ("successors", "carved_from"):
        column = file_lines.column(name)
        if column.null_count < len(column):
            codes |= set(pa.compute.list_flatten(column).unique().to_pylist())
    return {district_id(code).hex for code in codes if code is not None}


def vacated(file_lines: pa.Table, loaded: Loaded) -> set[str]:
    """The districts whose facts the file may contradict: those it retires, and those whose
    events it retracts (an establishment retracted leaves its facts nowhere)."""
    found: set[str] = set()
    retracts: set[str] = set()
    for event, district, target in zip(file_lines.column("event").to_pylist(),
                                       file_lines.column("district").to_pylist(),
                                       file_lines.column("retracts").to_pylist(), strict=True):
        if event == "DistrictRetired":
            found.add(district)
        elif event == "EventRetracted" and target is not None:
            retracts.add(target)
    if retracts:
        for rows in loaded.values():
            for topic, state in rows:
                if ":District." in topic:
                    values = orjson.loads(state)
                    if values["event_id"] in retracts:
                        found.add(values["district"])
        for event, district, event_id in zip(file_lines.column("event").to_pylist(),
                                             file_lines.column("district").to_pylist(),
                                             file_lines.column("event_id").to_pylist(),
                                             strict=True):
            if event_id in retracts and event == "DistrictEstablished":
                found.add(district)
    return found


def occupants(session: Session, districts: set[str]) -> tuple[set[UUID], set[UUID]]:
    """Every programme, and every enrolment ever placed in one of `districts`."""
    if not districts:
        return set(), set()
    programmes = session.originators(_REGISTERED)
    codes: set[str] = set()
    for events in session.load(programmes).values():
        codes.add(orjson.loads(events[0].state)["programme"])
    placed: set[UUID] = set()
    for code in codes:
        placed |= session.placements(code, districts)
    return programmes, placed
