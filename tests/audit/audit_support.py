"""A small pilot history for the audit tests, and raw SQL that damages a store behind its back."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qs, urlparse

import psycopg

from ledger.application import Ledger
from ledger.bootstrap import is_postgres, open_ledger
from ledger.storage.chain import row_link

# Recorded in three sittings (historical import, so recorded times are fixed):
# 1. 2021-07: the MCW pilot is registered, covers Sanamxay (1703) and Nong (1306), enrols three.
# 2. 2021-09: the first payments, a transfer, an exit — and a late (back-dated) enrolment.
# 3. 2022-01: a payment is reversed, an enrolment retracted, school meals start in 1306.
FIRST = "2021-07-31T10:00:00+07:00"
SECOND = "2021-09-30T10:00:00+07:00"
THIRD = "2022-01-15T10:00:00+07:00"


def _at(recorded_at: str, operator: str, objs: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{**o, "recorded_at": recorded_at, "operator": operator} for o in objs]


SITTINGS: list[list[dict[str, Any]]] = [
    _at(FIRST, "vientiane.hq", [
        {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "id": "reg-mcw",
         "programme": "mcw", "name": "Mother and Early Childhood Grant", "benefit": "cash"},
        {"event": "DistrictExpanded", "effective_date": "2021-06-18", "id": "exp-1703",
         "programme": "mcw", "district": "1703"},
        {"event": "DistrictExpanded", "effective_date": "2021-06-18", "id": "exp-1306",
         "programme": "mcw", "district": "1306"},
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "id": "enr-b1",
         "programme": "mcw", "beneficiary": "B1", "district": "1703", "sex": "F",
         "birth_date": "1995-03-02"},
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "id": "enr-b2",
         "programme": "mcw", "beneficiary": "B2", "district": "1703", "sex": "F"},
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-05", "id": "enr-b3",
         "programme": "mcw", "beneficiary": "B3", "district": "1306", "sex": "F"},
    ]),
    _at(SECOND, "attapeu.office", [
        {"event": "PaymentRecorded", "effective_date": "2021-08-12", "id": "pay-b1-1",
         "programme": "mcw", "beneficiary": "B1", "payment": "P1", "amount": "300000",
         "period": "2021-08"},
        {"event": "PaymentRecorded", "effective_date": "2021-08-12", "id": "pay-b2-1",
         "programme": "mcw", "beneficiary": "B2", "payment": "P2", "amount": "300000",
         "period": "2021-08"},
        {"event": "BeneficiaryTransferred", "effective_date": "2021-09-01", "id": "tr-b2",
         "programme": "mcw", "beneficiary": "B2", "district": "1306"},
        {"event": "BeneficiaryExited", "effective_date": "2021-09-15", "id": "exit-b3",
         "programme": "mcw", "beneficiary": "B3", "reason": "moved-away"},
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-10", "id": "enr-b4",
         "programme": "mcw", "beneficiary": "B4", "district": "1703", "sex": "F",
         "note": "paper form found late"},
    ]),
    _at(THIRD, "vientiane.hq", [
        {"event": "PaymentReversed", "effective_date": "2021-10-01", "id": "rev-p2",
         "programme": "mcw", "payment": "P2", "reason": "duplicate"},
        {"event": "EventRetracted", "effective_date": "2022-01-15", "id": "ret-b4",
         "retracts": "enr-b4", "reason": "not eligible: recorded in error"},
        {"event": "ProgrammeRegistered", "effective_date": "2021-09-01", "id": "reg-meals",
         "programme": "school-meals", "name": "School Meals", "benefit": "in-kind"},
        {"event": "DistrictExpanded", "effective_date": "2021-09-01", "id": "exp-meals-1306",
         "programme": "school-meals", "district": "1306"},
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-09-06", "id": "enr-meals-b1",
         "programme": "school-meals", "beneficiary": "B1", "district": "1306", "sex": "F"},
    ]),
]
EVENTS = sum(len(s) for s in SITTINGS)


def record_pilot(ledger: Ledger) -> None:
    """Record the three sittings, one atomic batch each."""
    for number, sitting in enumerate(SITTINGS, start=1):
        ledger.record_dicts(sitting, operator="tests", historical=True, source=f"sitting-{number}")


class RawStore:
    """Hand-written SQL on a store's own tables, the way someone might go behind the ledger."""

    def __init__(self, url: str):
        self.url = url
        self.postgres = is_postgres(url)
        self.events = "ledger_events" if self.postgres else "stored_events"
        self.position = "notification_id" if self.postgres else "rowid"

    @contextmanager
    def _cursor(self) -> Iterator[Any]:
        if self.postgres:
            parts = urlparse(self.url)
            schema = parse_qs(parts.query)["schema"][0]
            with psycopg.connect(parts._replace(query="").geturl(), autocommit=False) as conn:
                conn.execute(f'SET search_path TO "{schema}"')
                with conn.cursor() as cursor:
                    yield cursor
                conn.commit()
        else:
            conn = sqlite3.connect(self.url)
            try:
                yield conn.cursor()
                conn.commit()
            finally:
                conn.close()

    def _sql(self, statement: str) -> str:
        text = statement.format(events=self.events, position=self.position)
        return text.replace("?", "%s") if self.postgres else text

    def row(self, position: int) -> tuple[Any, int, str, bytes]:
        with self._cursor() as cursor:
            cursor.execute(self._sql(
                "SELECT originator_id, originator_version, topic, state FROM {events} "
                "WHERE {position} = ?"), (position,))
            originator_id, version, topic, state = cursor.fetchone()
            return originator_id, version, topic, bytes(state)

    def alter_state(self, position: int, old: bytes, new: bytes) -> None:
        """UPDATE one event's stored bytes in place."""
        state = self.row(position)[3]
        assert old in state
        with self._cursor() as cursor:
            cursor.execute(self._sql("UPDATE {events} SET state = ? WHERE {position} = ?"),
                           (state.replace(old, new, 1), position))

    def run(self, statement: str, values: Sequence[Any] = ()) -> None:
        """Any statement (`?` placeholders, `{events}` and `{position}` names)."""
        with self._cursor() as cursor:
            cursor.execute(self._sql(statement), values)

    def delete(self, position: int) -> None:
        with self._cursor() as cursor:
            cursor.execute(self._sql("DELETE FROM {events} WHERE {position} = ?"), (position,))

    def delete_link(self, position: int) -> None:
        with self._cursor() as cursor:
            cursor.execute(self._sql("DELETE FROM ledger_chain WHERE position = ?"), (position,))

    def insert_forged(self, like: int, *, at: int | None = None) -> None:
        """INSERT a new event copied from position `like`, under a new originator."""
        _, _, topic, state = self.row(like)
        forged = ("0" * 31 + "1") if not self.postgres else "00000000-0000-0000-0000-000000000001"
        columns = "originator_id, originator_version, topic, state"
        values: tuple[Any, ...] = (forged, 1, topic, state.replace(b"B1", b"B9"))
        if at is not None:
            columns = "{position}, " + columns
            values = (at, *values)
        with self._cursor() as cursor:
            cursor.execute(self._sql(f"INSERT INTO {{events}} ({columns}) VALUES (?, ?, ?, ?"
                                     + (", ?)" if at is not None else ")")), values)

    def swap(self, first: int, second: int) -> None:
        """Exchange two events' contents (a reordering): each position now holds the other."""
        a, b = self.row(first), self.row(second)
        placeholder = ("f" * 32) if not self.postgres else "ffffffff-ffff-ffff-ffff-ffffffffffff"
        update = self._sql("UPDATE {events} SET originator_id = ?, originator_version = ?, "
                           "topic = ?, state = ? WHERE {position} = ?")
        with self._cursor() as cursor:
            cursor.execute(update, (placeholder, 0, a[2], a[3], first))
            cursor.execute(update, (*a, second))
            cursor.execute(update, (*b, first))

    def relink_from(self, position: int) -> None:
        """Recompute every chain link from `position` on, as a careful forger would."""
        ledger = open_ledger(self.url)
        try:
            previous = ledger.store.read_chain(position - 2, 1)[0].digest if position > 1 else bytes(32)
            links = []
            for row in ledger.store.read_rows(position - 1, 10_000):
                previous = row_link(previous, row)
                links.append((previous, row[0]))
        finally:
            ledger.close()
        with self._cursor() as cursor:
            cursor.executemany(self._sql("UPDATE ledger_chain SET digest = ? WHERE position = ?"),
                               links)
