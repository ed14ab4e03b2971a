"""Naming the damage where stored events and their chain links disagree.

Walking events and links together in position order, a position is

- **altered** when both are there but the recomputed link differs (the event's bytes or its
  link were changed);
- **reordered** when, besides, the event that belongs at this position is stored at a later
  one (rows swapped or shuffled);
- **deleted** when the chain has a link but the event is gone, or events and links are both gone
  (the ledger never leaves a gap in positions);
- **inserted** when an event is stored with no link in the chain (written behind the ledger's
  back).

After a damaged position each link is still checked against the stored link before it, so every
damaged position is counted, not just the first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from ledger.storage.chain import GENESIS, row_link
from ledger.storage.reader import Chained, ChainLink, Row
from ledger.storage.session import LedgerStore

LOOKAHEAD = 5_000  # rows searched for an event moved away from a damaged position
MAX_REPORTED = 20  # damaged positions described in full; all of them are counted

Kind = Literal["altered", "deleted", "inserted", "reordered"]


@dataclass(frozen=True, slots=True)
class Damage:
    """One position where the stored events and the chain disagree."""

    position: int
    kind: Kind
    detail: str


@dataclass
class Walk:
    """The running state of one verification, in position order."""

    store: LedgerStore
    previous: bytes = GENESIS
    last_link: int = 0  # position of the last chain link walked past
    last_event: int = 0  # position of the last stored event walked past
    events: int = 0
    head: ChainLink | None = None
    damaged: int = 0
    damage: list[Damage] = field(default_factory=list)
    moved: dict[int, tuple[int, Row]] = field(default_factory=dict)

    def window(self, rows: list[Chained]) -> None:
        """Check events at consecutive positions, each with its link's digest (None: no link)."""
        previous, last, clean = self.previous, self.last_link, 0
        for row in rows:
            digest = row[5]
            if digest is not None and row[0] == last + 1 and row_link(previous, row) == digest:
                previous, last, clean = digest, row[0], clean + 1
                continue
            # Something is wrong here: hand over to the careful methods, then carry on.
            self.previous, self.last_link = previous, last
            self.last_event = max(self.last_event, last)
            event: Row = (row[0], row[1], row[2], row[3], row[4])
            if digest is None:
                self.orphan_event(event)
            else:
                self.event(event, ChainLink(row[0], digest))
            previous, last = self.previous, self.last_link
        self.events += clean
        self.previous, self.last_link = previous, last
        self.last_event = max(self.last_event, last)
        if last:
            self.head = ChainLink(last, previous)

    def event(self, row: Row, stored: ChainLink) -> None:
        """An event and the link at the same position."""
        position = row[0]
        self.events += 1
        if row_link(self.previous, row) != stored.digest:
            if self.last_link + 1 == position:
                self._mismatch(row, stored)
            elif self.last_event <= self.last_link:
                # Neither events nor links between: both were deleted (the ledger leaves no gaps).
                self._report(self.last_link + 1, "deleted", _gone(self.last_link + 1, position - 1))
            # else: events with no links lie between, already reported as inserted; the link
            # before this one is missing, so this position cannot be judged on its own.
        self.last_event = position
        self._advance(stored)

    def orphan_link(self, stored: ChainLink) -> None:
        """A link whose event is not stored."""
        self._report(stored.position, "deleted",
                     "the chain has a link at this position but the event is gone")
        self._advance(stored)

    def orphan_event(self, row: Row) -> None:
        """An event with no link."""
        self.events += 1
        self._report(row[0], "inserted", "an event is stored here with no link in the chain")
        self.last_event = row[0]

    def _report(self, position: int, kind: Kind, detail: str) -> None:
        self.damaged += 1
        if len(self.damage) < MAX_REPORTED:
            self.damage.append(Damage(position, kind, detail))

    def _advance(self, stored: ChainLink) -> None:
        # Continue from the stored link, so each later position is judged on its own.
        self.previous = stored.digest
        self.last_link = stored.position
        self.head = stored

    def _mismatch(self, row: Row, stored: ChainLink) -> None:
        position = row[0]
        if position in self.moved:
            origin, moved_row = self.moved.pop(position)
            if row_link(self.previous, moved_row, position) == stored.digest:
                detail = f"swapped with position {origin}"
            else:
                detail = f"holds the event that belongs at position {origin}"
            self._report(position, "reordered", detail)
            return
        if len(self.damage) < MAX_REPORTED:
            found = self._find_moved(row, stored)
            if found is not None:
                self.moved[found[0]] = (position, row)
                self._report(position, "reordered",
                             f"the event that belongs here is stored at position {found[0]}")
                return
        self._report(position, "altered",
                     "the stored event (or its chain link) is not what was recorded")

    def _find_moved(self, row: Row, stored: ChainLink) -> Row | None:
        """The later row whose content links at this position, if one was moved from here."""
        for candidate in self.store.read_rows(row[0], LOOKAHEAD):
            if row_link(self.previous, candidate, row[0]) == stored.digest:
                return candidate
        return None


def _gone(first: int, last: int) -> str:
    where = f"position {first}" if first == last else f"positions {first}–{last}"
    return f"the events and chain links at {where} are gone"
