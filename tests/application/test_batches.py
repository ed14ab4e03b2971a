"""A batch (a file, or lines given in memory) is checked as a whole, in order, and kept atomically."""

from __future__ import annotations

import datetime as dt
import gzip
import json
from pathlib import Path

import pytest
from eventlog import (
    NONG,
    OPERATOR,
    SANAMXAY,
    assert_refusal,
    enrolled,
    exited,
    expanded,
    import_refused,
    only,
    paid,
    pilot,
    record,
    refused,
    registered,
    retracted,
    write_jsonl,
)

from ledger.application import Ledger
from ledger.recording import batch


def stored_ids(ledger: Ledger) -> list[str]:
    return [event.event_id for _, event in ledger.stored_events()]


# -- checked as a whole ------------------------------------------------------------------------


def test_every_refused_line_is_reported_with_its_number_and_nothing_is_recorded(
    ledger: Ledger,
) -> None:
    record(ledger, *pilot())

    refusals = refused(
        ledger,
        enrolled("B-1", SANAMXAY),
        enrolled("B-2", "9999"),  # not a district of the geography
        enrolled("B-3", NONG),
        paid("B-4", "P-1"),  # never enrolled
        paid("B-1", "P-2"),
    )

    assert [(r.origin.line, r.field) for r in refusals] == [(2, "district"), (4, "beneficiary")]
    assert stored_ids(ledger) == ["mcw-registered", "sanamxay-expanded", "nong-expanded"]


def test_each_line_is_checked_against_the_lines_before_it(ledger: Ledger) -> None:
    # The programme, its districts and the enrolments arrive in one file, in order.
    receipt = record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1"),
                     exited("B-1", on="2021-09-01"))

    assert receipt.count == 6


def test_a_file_joins_the_timeline_whole_so_its_lines_may_come_in_any_order(
    ledger: Ledger,
) -> None:
    # SPEC §3: the lines are ordered among themselves by effective date, not by file order.
    receipt = record(ledger, paid("B-1", "P-1"), enrolled("B-1", SANAMXAY), *reversed(pilot()))

    assert receipt.count == 5


def test_lines_of_one_day_keep_their_file_order(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2021-07-01"))

    # Ties go by file order: paid, then exited, is fine; exited, then paid, is not.
    record(ledger, paid("B-1", "P-1", on="2021-09-01"), exited("B-1", on="2021-09-01"))
    refusals = refused(ledger, enrolled("B-2", SANAMXAY, on="2021-07-01"),
                       exited("B-2", on="2021-09-01"), paid("B-2", "P-2", on="2021-09-01"))

    assert_refusal(only(refusals), line=3, field="beneficiary", rule=6)


def test_a_file_may_retract_a_line_of_its_own(ledger: Ledger) -> None:
    record(ledger, *pilot())

    receipt = record(ledger, enrolled("B-1", SANAMXAY, id="typo"), retracted("typo"),
                     enrolled("B-1", NONG, on="2021-06-21"))

    assert receipt.count == 3


def test_a_file_may_back_fill_a_finished_episode_before_a_recorded_one(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, on="2022-01-10", id="later"))

    # In any order: the exit first, then the enrolment it closes.
    receipt = record(ledger, exited("B-1", on="2021-09-30"), enrolled("B-1", NONG, on="2021-07-01"))

    assert receipt.count == 2


def test_a_refused_line_names_the_line_of_the_same_file_it_contradicts(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusals = refused(ledger, enrolled("B-1", NONG, on="2021-07-01", id="second"),
                       enrolled("B-1", SANAMXAY, on="2021-06-20", id="first"))

    assert_refusal(only(refusals), line=1, field="beneficiary", rule=3, contradicts="first")


def test_a_valid_batch_is_recorded_whole_at_consecutive_positions(ledger: Ledger) -> None:
    record(ledger, *pilot())

    receipt = record(ledger, enrolled("B-1", SANAMXAY, id="b1"), enrolled("B-2", NONG, id="b2"),
                     paid("B-1", "P-1", id="p1"))

    assert (receipt.count, receipt.already_recorded) == (3, 0)
    assert (receipt.first_position, receipt.last_position) == (4, 6)
    assert [(e.event_id, e.position) for e in receipt.events] == [("b1", 4), ("b2", 5), ("p1", 6)]
    assert ledger.store.max_position() == 6
    # One batch, one clock reading: every event of it carries the same recorded time.
    assert len({e.recorded_at for e in receipt.events}) == 1


def test_the_operator_of_a_line_wins_over_the_batchs(ledger: Ledger) -> None:
    record(ledger, registered(), expanded(SANAMXAY, operator="attapeu-officer"))

    operators = [event.operator for _, event in ledger.stored_events()]
    assert operators == [OPERATOR, "attapeu-officer"]


# -- nothing doubled ---------------------------------------------------------------------------


def test_importing_a_file_twice_records_nothing_the_second_time(
    ledger: Ledger, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "pilot.jsonl",
                       [*pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1")])

    first = ledger.import_file(path, operator=OPERATOR)
    second = ledger.import_file(path, operator="someone-else")

    assert (first.count, first.already_recorded) == (5, 0)
    assert (second.count, second.already_recorded) == (0, 5)
    assert second.events == [] and second.first_position is None
    assert ledger.store.max_position() == 5


def test_a_file_partly_recorded_before_records_only_its_new_lines(ledger: Ledger) -> None:
    record(ledger, *pilot())

    receipt = record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="b1"))

    assert (receipt.count, receipt.already_recorded) == (1, 3)
    assert [e.event_id for e in receipt.events] == ["b1"]


def test_an_id_already_recorded_for_different_content_is_refused(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY, id="enrolment-0001"))

    refusal = only(refused(ledger, enrolled("B-2", NONG, id="enrolment-0001")))

    assert_refusal(refusal, field="id", rule=None)
    assert "already recorded for a different event" in refusal.reason


def test_an_id_used_twice_in_one_file_is_refused(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusals = refused(ledger, enrolled("B-1", SANAMXAY, id="enrolment-0001"),
                       enrolled("B-2", NONG, id="enrolment-0001"))

    assert_refusal(only(refusals), line=2, field="id", rule=None)
    assert "also the id of line 1" in refusals[0].reason


def test_an_id_used_again_windows_later_in_one_file_names_its_first_line(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Windows of three lines: line 1 is long written by the time line 11 is checked.
    monkeypatch.setattr(batch, "WINDOW", 3)
    record(ledger, *pilot(), enrolled("B-0", SANAMXAY, id="before"))
    lines = [enrolled(f"B-{n}", SANAMXAY, id=f"e-{n}") for n in range(1, 11)]

    refusals = refused(ledger, *lines, enrolled("B-11", NONG, id="e-1"),
                       enrolled("B-12", NONG, id="before"), enrolled("B-2", SANAMXAY, id="e-2"))

    assert [(r.origin.line, r.field, r.reason.split(" [")[0]) for r in refusals] == [
        (11, "id", "'e-1' is also the id of line 1"),
        (12, "id", "'before' is already recorded for a different event"),
        (13, "id", "'e-2' is also the id of line 2"),
    ]


def test_lines_recorded_before_are_known_in_every_window_of_a_file(
    ledger: Ledger, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ids are looked up in the store a window of lines at a time.
    monkeypatch.setattr(batch, "WINDOW", 2)
    lines = [*pilot(), *(enrolled(f"B-{n}", SANAMXAY, id=f"e-{n}") for n in range(6))]
    record(ledger, *lines)

    receipt = record(ledger, enrolled("B-6", SANAMXAY, id="e-6"), *lines)

    assert (receipt.count, receipt.already_recorded) == (1, len(lines))


def test_a_line_repeated_in_one_file_is_refused_as_the_same_derived_id(ledger: Ledger) -> None:
    record(ledger, *pilot())

    refusals = refused(ledger, enrolled("B-1", SANAMXAY), enrolled("B-1", SANAMXAY))

    assert_refusal(only(refusals), line=2, field="id", rule=None)


def test_derived_ids_are_stable_digests_of_what_a_line_says(ledger: Ledger) -> None:
    receipt = record(ledger, registered(), expanded(SANAMXAY), enrolled("B-1", SANAMXAY),
                     paid("B-1", "P-1", amount="300000"))

    ids = [e.event_id for e in receipt.events]
    assert all(i.startswith("auto-") and len(i) == len("auto-") + 32 for i in ids)
    # Pinned: files imported years apart must derive the same ids, or re-imports would double.
    assert ids[0] == "auto-c5c51e9c3dfb2a38e3a395ba31d71535"
    assert ids[2] == "auto-ee2da714f53fb24d338b74d5de36153b"
    assert ids[3] == "auto-593bdc2d8502d52bfeedb2afee45695c"


def test_a_line_saying_the_same_thing_differently_is_already_recorded(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", amount="300000"))

    # Another operator, an integer amount, the currency spelt out: the same payment.
    receipt = record(ledger, paid("B-1", "P-1", amount=300000, currency="LAK",
                                  operator="savannakhet-officer"))

    assert (receipt.count, receipt.already_recorded) == (0, 1)


def test_a_line_that_says_something_else_gets_another_derived_id(ledger: Ledger) -> None:
    record(ledger, *pilot(), enrolled("B-1", SANAMXAY), paid("B-1", "P-1", amount="300000"))

    refusal = only(refused(ledger, paid("B-1", "P-1", amount="150000")))

    # Not "already recorded": a different payment under a payment id already used.
    assert_refusal(refusal, field="payment", rule=6)


# -- historical imports: recorded_at from the file -------------------------------------------


def test_a_historical_import_keeps_each_lines_recorded_time(ledger: Ledger) -> None:
    record(ledger, registered(recorded_at="2021-06-01T09:00:00+07:00"),
           expanded(SANAMXAY, recorded_at="2021-06-18T10:30:00+07:00"),
           expanded(NONG, recorded_at="2021-06-18T10:30:00+07:00"),  # equal times are fine
           historical=True)

    times = [event.timestamp.isoformat() for _, event in ledger.stored_events()]
    assert times == ["2021-06-01T09:00:00+07:00", "2021-06-18T10:30:00+07:00",
                     "2021-06-18T10:30:00+07:00"]


def test_a_historical_import_needs_recorded_at_on_every_line(ledger: Ledger) -> None:
    refusals = refused(ledger, registered(recorded_at="2021-06-01T09:00:00+07:00"),
                       expanded(SANAMXAY), historical=True)

    assert_refusal(only(refusals), line=2, field="recorded_at", rule=None)
    assert "needs recorded_at on every line" in refusals[0].reason


def test_recorded_times_never_go_back_within_a_file(ledger: Ledger) -> None:
    refusals = refused(ledger, registered(recorded_at="2021-06-18T09:00:00+07:00"),
                       expanded(SANAMXAY, recorded_at="2021-06-18T08:59:59+07:00"),
                       historical=True)

    assert_refusal(only(refusals), line=2, field="recorded_at", rule=None)
    assert "is before 2021-06-18T09:00:00+07:00" in refusals[0].reason


def test_recorded_times_are_compared_as_instants_whatever_their_offsets(ledger: Ledger) -> None:
    # 02:30 UTC is 09:30 in Vientiane: later than 09:00+07:00, though it reads earlier.
    receipt = record(ledger, registered(recorded_at="2021-06-18T09:00:00+07:00"),
                     expanded(SANAMXAY, recorded_at="2021-06-18T02:30:00Z"), historical=True)

    assert receipt.count == 2


def test_a_historical_import_does_not_go_back_before_what_the_ledger_holds(
    ledger: Ledger,
) -> None:
    record(ledger, registered())  # recorded now, by the ledger's clock

    refusal = only(refused(ledger, expanded(SANAMXAY, recorded_at="2021-06-18T09:00:00+07:00"),
                           historical=True))

    assert_refusal(refusal, field="recorded_at", rule=None)
    assert "the last recorded time" in refusal.reason


def test_a_historical_import_is_not_recorded_in_the_future(ledger: Ledger) -> None:
    tomorrow = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()

    refusal = only(refused(ledger, registered(recorded_at=tomorrow), historical=True))

    assert_refusal(refusal, field="recorded_at", rule=None)
    assert "is in the future" in refusal.reason


def test_without_historical_a_line_carrying_recorded_at_is_refused_with_a_hint(
    ledger: Ledger,
) -> None:
    refusal = only(refused(ledger, registered(recorded_at="2021-06-01T09:00:00+07:00")))

    assert_refusal(refusal, field="recorded_at", rule=None)
    assert "import --historical" in refusal.reason


# -- files -------------------------------------------------------------------------------------


def test_a_gzipped_file_is_imported_like_a_plain_one(ledger: Ledger, tmp_path: Path) -> None:
    path = tmp_path / "pilot.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as stream:
        for line in [*pilot(), enrolled("B-1", SANAMXAY, id="b1")]:
            stream.write(json.dumps(line) + "\n")

    receipt = ledger.import_file(path, operator=OPERATOR)

    assert receipt.count == 4
    assert stored_ids(ledger)[-1] == "b1"


def test_a_refused_file_is_reported_by_its_path_and_line(ledger: Ledger, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "june.jsonl", [*pilot(), enrolled("B-1", "0000")])

    refusal = only(import_refused(ledger, path))

    assert str(refusal).startswith(f"{path}:4: district: ")
    assert ledger.store.max_position() == 0
