"""Appending through a session stores exactly the rows, links, keys and placements given — in
the background or not, whatever characters they hold — and reads them back in the same
transaction."""

from __future__ import annotations

from uuid import uuid4

import pytest
from eventsourcing.persistence import IntegrityError

from ledger.application import Ledger
from ledger.storage.chain import GENESIS, row_link

ODD = ['plain', 'quote " and \\ backslash', 'ສະບາຍດີ', 'emoji 🌾', 'new\nline\ttab', "'single'"]


@pytest.mark.parametrize("background", [False, True], ids=["inline", "background"])
def test_appended_rows_keys_and_placements_come_back_exactly(ledger: Ledger,
                                                             background: bool) -> None:
    originators = [uuid4() for _ in ODD]
    events = [(o.hex, 1, f"topic:{text}", f'{{"note":"{text}"}}'.encode())
              for o, text in zip(originators, ODD, strict=True)]
    keys = [(f"id:{text}", o.hex, f"digest {text}") for o, text in zip(originators, ODD,
                                                                        strict=True)]
    placements = [("mcw", text, o.hex) for o, text in zip(originators, ODD, strict=True)]

    with ledger.store.writing() as session:
        if background:
            session.write_behind()
        first = session.append(events[:3], keys[:3], placements[:3])
        second = session.append(events[3:], keys[3:], placements[3:])
        found = session.find_keys([k for k, _, _ in keys] + ["id:absent"])
        loaded = session.load(originators)
        placed = session.placements("mcw", ODD)

    assert list(first) == [1, 2, 3] and list(second) == [4, 5, 6]
    assert {k: (v.originator_id.hex, v.digest) for k, v in found.items()} == \
        {k: (o, d) for k, o, d in keys}
    assert [(o.hex, [(e.originator_version, e.topic, e.state) for e in loaded[o]])
            for o in originators] == [(h, [(v, t, s)]) for h, v, t, s in events]
    assert placed == set(originators)
    rows = ledger.store.read_rows(0, 10)
    assert rows == [(p, *event) for p, event in enumerate(events, start=1)]
    digest = GENESIS
    for row, link in zip(rows, ledger.store.read_chain(0, 10), strict=True):
        digest = row_link(digest, row)
        assert link.digest == digest


def test_a_failed_background_write_fails_the_transaction_and_keeps_nothing(
    ledger: Ledger,
) -> None:
    originator = uuid4().hex
    with pytest.raises(IntegrityError), \
            ledger.store.writing() as session:
        session.write_behind()
        session.append([(originator, 1, "t", b"{}")], [("id:same", originator, "d")])
        session.append([(originator, 2, "t", b"{}")], [("id:same", originator, "d")])
        session.barrier()
    assert ledger.store.read_rows(0, 10) == []
