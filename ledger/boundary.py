"""A boundary change recorded as one file (SPEC §15: `ledger geography split`).

A split of OLD into NEW districts, a merge of OLD into an existing district and a change of code
are the same file, all effective on one date D: establish each new district, expand every
programme that covers OLD on D to each district it goes to (where it does not cover it yet),
transfer each beneficiary active in OLD on D to the district the assignment names, withdraw OLD
from every programme, retire OLD naming its successors. The file is checked by the rules like
any other (all or nothing); this module only plans it from the ledger as known now, and checks
the assignment file line by line.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from eventsourcing.utils import get_topic

from ledger.domain.errors import LedgerError
from ledger.domain.ids import district_id
from ledger.domain.programme import Programme
from ledger.facts import Origin
from ledger.geography import load_geography
from ledger.interchange.schema import FieldError
from ledger.storage.session import LedgerStore, Session

_REGISTERED = get_topic(Programme.ProgrammeRegistered)
_MOVES = ("BeneficiaryEnrolled", "BeneficiaryTransferred", "BeneficiaryExited")


class AssignmentRefused(LedgerError):
    """The assignment file has errors (`file:line: field: reason`); nothing was recorded."""

    def __init__(self, errors: list[FieldError]):
        self.errors = errors
        super().__init__(f"{len(errors)} error{'s' if len(errors) != 1 else ''} in the "
                         "assignment; nothing was recorded")

    def report(self) -> str:
        return "\n".join(str(e) for e in self.errors)


@dataclass(frozen=True, slots=True)
class Occupancy:
    """A district on a date, as the ledger knows it now: the programmes covering it at the end
    of the day, and the beneficiaries active there then (programme, beneficiary)."""

    covering: tuple[str, ...]
    active: tuple[tuple[str, str], ...]
    covered_elsewhere: frozenset[tuple[str, str]]  # (programme, district) covered on the date


def occupancy(store: LedgerStore, district: str, on: dt.date) -> Occupancy:
    """Who is in `district` at the end of `on`, and which programmes cover it (and where else)."""
    with store.reading() as session:
        programmes = _timelines(session, session.originators(_REGISTERED))
        covered: set[tuple[str, str]] = set()
        codes: list[str] = []
        for events in programmes:
            codes.append(events[0]["programme"])
            state: dict[str, bool] = {}
            for event in events:
                if event["event"] in ("DistrictExpanded", "DistrictWithdrawn") \
                        and event["day"] <= on:
                    state[event["district"]] = event["event"] == "DistrictExpanded"
            covered |= {(events[0]["programme"], d) for d, yes in state.items() if yes}
        placed = set()
        for code in codes:
            placed |= session.placements(code, {district})
        active: list[tuple[str, str]] = []
        for events in _timelines(session, placed):
            where: str | None = None
            for event in events:
                if event["event"] in _MOVES and event["day"] <= on:
                    where = None if event["event"] == "BeneficiaryExited" else event["district"]
            if where == district:
                active.append((events[0]["programme"], events[0]["beneficiary"]))
    covering = tuple(sorted(p for p, d in covered if d == district))
    return Occupancy(covering, tuple(sorted(active)), frozenset(covered))


def _timelines(session: Session, ids: Iterable[Any]) -> list[list[dict[str, Any]]]:
    """Each timeline's facts (retracted events and retractions left out), in SPEC §3's order."""
    found: list[list[dict[str, Any]]] = []
    for events in session.load(set(ids)).values():
        values = []
        for n, stored in enumerate(events):
            state = orjson.loads(stored.state)
            state["event"] = stored.topic.rsplit(".", 1)[-1]
            state["day"] = dt.date.fromisoformat(state["effective_date"]["_data_"])
            state["n"] = n
            values.append(state)
        gone = {v["retracts"] for v in values if v["event"] == "EventRetracted"}
        kept = [v for v in values if v["event"] != "EventRetracted" and v["event_id"] not in gone]
        kept.sort(key=lambda v: (v["day"], v["n"]))
        if kept:
            found.append(kept)
    return found


def read_assignment(path: Path, occupied: Occupancy, old: str, into: tuple[str, ...],
                    on: dt.date) -> dict[tuple[str, str], str]:
    """(programme, beneficiary) → new district, from a CSV with columns `beneficiary`,
    `district` and optionally `programme` (without it, a row moves the beneficiary in every
    programme). Raises AssignmentRefused with every error, `file:line: field: reason`."""
    errors: list[FieldError] = []
    source = str(path)
    active = set(occupied.active)
    by_beneficiary: dict[str, list[str]] = {}
    for programme, beneficiary in occupied.active:
        by_beneficiary.setdefault(beneficiary, []).append(programme)
    assigned: dict[tuple[str, str], str] = {}
    seen: dict[tuple[str, str], int] = {}
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        columns = set(reader.fieldnames or ())
        missing = {"beneficiary", "district"} - columns
        if missing:
            raise AssignmentRefused([FieldError(Origin(source, 1), "header",
                                                f"needs the columns beneficiary, district "
                                                f"(and optionally programme); "
                                                f"missing {', '.join(sorted(missing))}")])
        for row in reader:
            origin = Origin(source, reader.line_num)
            beneficiary = (row.get("beneficiary") or "").strip()
            target = (row.get("district") or "").strip()
            only = (row.get("programme") or "").strip() or None
            if target not in into:
                errors.append(FieldError(origin, "district", f"{target!r} is not among the "
                                         f"districts {old} goes to ({', '.join(into)})"))
                continue
            programmes = [only] if only else by_beneficiary.get(beneficiary, [])
            if not programmes or (only and (only, beneficiary) not in active):
                where = f" in {only!r}" if only else ""
                errors.append(FieldError(origin, "beneficiary",
                                         f"{beneficiary!r} is not active{where} in district "
                                         f"{old} on {on}"))
                continue
            for code in programmes:
                key = (code, beneficiary)
                if key in seen:
                    errors.append(FieldError(origin, "beneficiary",
                                             f"{beneficiary!r} ({code}) is also assigned on "
                                             f"line {seen[key]}"))
                    continue
                seen[key] = reader.line_num
                assigned[key] = target
        end = Origin(source, reader.line_num + 1)  # a missing row: reported at the file's end
    for programme, beneficiary in occupied.active:
        if (programme, beneficiary) not in assigned and (programme, beneficiary) not in seen:
            errors.append(FieldError(end, "beneficiary",
                                     f"{beneficiary!r} is active in {programme!r} in district "
                                     f"{old} on {on} and has no row"))
    if errors:
        raise AssignmentRefused(errors)
    return assigned


def split_lines(old: str, into: tuple[str, ...], names: dict[str, str], on: dt.date,
                occupied: Occupancy, assigned: dict[tuple[str, str], str],
                known: set[str]) -> list[dict[str, Any]]:
    """The file of a boundary change, in the order an operator would write it. `known`: the
    districts that exist already (the others are established, carved from OLD)."""
    day = on.isoformat()
    lines: list[dict[str, Any]] = []
    for code in into:
        if code not in known:
            name = names.get(code) or f"{code}"
            lines.append({"event": "DistrictEstablished", "effective_date": day,
                          "district": code, "province": code[:2], "name": name,
                          "from": [old]})
    goes_to = sorted(set(assigned.values())) if assigned else list(into)
    for programme in occupied.covering:
        for code in into if len(into) > 1 else goes_to:
            if (programme, code) not in occupied.covered_elsewhere:
                lines.append({"event": "DistrictExpanded", "effective_date": day,
                              "programme": programme, "district": code})
    for (programme, beneficiary), code in sorted(assigned.items()):
        lines.append({"event": "BeneficiaryTransferred", "effective_date": day,
                      "programme": programme, "beneficiary": beneficiary, "district": code})
    for programme in occupied.covering:
        lines.append({"event": "DistrictWithdrawn", "effective_date": day,
                      "programme": programme, "district": old})
    lines.append({"event": "DistrictRetired", "effective_date": day, "district": old,
                  "successors": list(into)})
    return lines


def existing(store: LedgerStore, codes: Iterable[str]) -> set[str]:
    """Those of `codes` the ledger knows: shipped, or established (retired or not)."""
    shipped = load_geography()
    found = {code for code in codes if code in shipped}
    with store.reading() as session:
        loaded = session.load({district_id(code) for code in codes})
    for events in loaded.values():
        for stored in events:
            if stored.topic.endswith(".DistrictEstablished"):
                found.add(orjson.loads(stored.state)["district"])
    return found
