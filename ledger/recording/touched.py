"""What a file touches in the store: the keys its lines name, and the timelines they join.

While the file is read, each window's event ids, payment ids and retracted ids are looked up in
the store at once. Before it is checked, the stored events of every timeline it touches are
fetched: the programmes and enrolments its lines name, the timelines of the events it retracts
and of the payments it reverses, and — for a withdrawal, or a retraction of an expansion or a
registration — every enrolment ever placed in those districts (they must stay covered).
"""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import orjson
import pyarrow as pa

from ledger.domain.ids import programme_id
from ledger.facts import Fact
from ledger.recording import districts as geography
from ledger.recording.rulebook import STORED, Named
from ledger.storage.session import Key, Session


class Touched:
    """The store's side of one file: keys looked up, timelines gathered."""

    def __init__(self, session: Session):
        self.session = session
        self.empty = session.last_state() is None  # nothing to look up in an empty store
        self.owners: set[str] = set()  # recorded timelines (hex) that retractions and reversals join

    def look_up(self, facts: list[Fact], event_ids: list[str]) -> dict[str, Key]:
        """The keys a window of facts names that the store holds (its ids, payment ids and
        retracted ids)."""
        if self.empty:
            return {}
        keys = ["id:" + event_id for event_id in event_ids]
        for fact in facts:
            fields = fact.fields
            if fact.event in ("PaymentRecorded", "PaymentReversed"):
                keys.append(f"payment:{fields['programme']}:{fields['payment']}")
            elif fact.event == "EventRetracted":
                keys.append("id:" + fields["retracts"])
        found = self.session.find_keys(keys)
        for key, value in found.items():
            if key.startswith("payment:") or key[3:] not in event_ids:
                self.owners.add(value.originator_id.hex)
        return found

    def stored_rows(self, named: Named, programmes: Iterable[str] = ()) -> pa.Table:
        """The stored events of every timeline the file touches, and of `programmes` (seq:
        recording order)."""
        if self.empty:
            return STORED.empty_table()
        wanted = {*named.timelines, *self.owners}
        codes = {*named.programmes, *programmes}
        wanted |= {programme_id(code).hex for code in codes}
        wanted |= geography.named(named.districts, named.geography)  # SPEC §15
        loaded = self._load(wanted)
        # The programmes of recorded timelines the file joins, and what a withdrawal or a
        # retraction of a programme's event could leave uncovered.
        owned = {orjson.loads(loaded[h][0][1]).get("programme") for h in self.owners
                 if h in loaded}  # (a district's timeline has no programme)
        more = {programme_id(code).hex for code in owned if code} - loaded.keys()
        loaded |= self._load(more)
        occupants: set[UUID] = set()
        for programme, uncovered in self._uncovering(named, loaded):
            occupants |= self.session.placements(programme, uncovered)
        registered, placed = geography.occupants(self.session,
                                                 geography.vacated(named.geography, loaded))
        occupants |= registered | placed
        loaded |= self._load({i.hex for i in occupants} - loaded.keys())
        seq, originators, topics, texts = [], [], [], []
        n = 0
        for originator, rows in loaded.items():
            for topic, state in rows:
                n += 1
                seq.append(n)
                originators.append(originator)
                topics.append(topic)
                texts.append(state.decode())
        return pa.table([seq, originators, topics, texts], schema=STORED)

    def _load(self, hexes: Iterable[str]) -> dict[str, list[tuple[str, bytes]]]:
        ids = [UUID(h) for h in hexes]
        if not ids:
            return {}
        return {i.hex: [(e.topic, e.state) for e in events]
                for i, events in self.session.load(ids).items()}

    def _uncovering(self, named: Named, loaded: dict[str, list[tuple[str, bytes]]]
                    ) -> list[tuple[str, set[str] | None]]:
        """(programme, districts) whose occupants must stay covered (None: every district)."""
        found: list[tuple[str, set[str] | None]] = [(p, {d}) for p, d in named.withdrawn]
        targets: dict[str, tuple[str, str | None]] = dict(named.own)
        if named.retracts:
            for rows in loaded.values():
                for topic, state in rows:
                    if ":Programme." in topic:
                        values = orjson.loads(state)
                        if values["event_id"] in named.retracts:
                            targets[values["event_id"]] = (values["programme"],
                                                           values.get("district"))
        for programme, district in targets.values():
            found.append((programme, {district} if district else None))
        return found
