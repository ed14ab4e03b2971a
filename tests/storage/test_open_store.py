"""What only reads a ledger opens its store alone: the same rows, no write application built."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ledger.application import Ledger
from ledger.audit.history import Subject, history
from ledger.audit.verify import verify
from ledger.bootstrap import open_store
from ledger.codec.decoder import stored_events
from ledger.errors import StoreNotFound
from projections.service import Projections
from tests.audit.audit_support import record_pilot


def test_the_store_alone_reads_what_the_ledger_recorded(ledger: Ledger, store_url: str,
                                                         tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    record_pilot(ledger)
    recorded = [(p, vars(e)) for p, e in ledger.stored_events()]

    def no_application(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the read side built the write application")

    monkeypatch.setattr(Ledger, "__init__", no_application)
    store = open_store(store_url)
    try:
        assert [(p, vars(e)) for p, e in stored_events(store)] == recorded
        assert store.read_rows(0, 1000) == ledger.store.read_rows(0, 1000)
        assert verify(store).ok
        assert history(store, Subject(beneficiary="B1"))
    finally:
        store.close()
    with Projections.open(store_url, path=tmp_path / "p.duckdb") as projections:
        assert projections.facts.count() == len(recorded)


def test_there_is_no_store_to_open_where_no_ledger_is(tmp_path: Path) -> None:
    with pytest.raises(StoreNotFound, match="no ledger at"):
        open_store(str(tmp_path / "none.db"))
