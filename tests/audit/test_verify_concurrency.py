"""The chain stays whole when several writers append at once, and `verify` can run beside them."""

from __future__ import annotations

import threading
from typing import Any

from ledger.application import Ledger
from ledger.audit.verify import Verification, verify
from ledger.bootstrap import open_ledger

WRITERS = 4
BATCHES = 8


def _enrolments(writer: int, batch: int) -> list[dict[str, Any]]:
    return [
        {"event": "BeneficiaryEnrolled", "effective_date": "2021-07-01", "programme": "mcw",
         "beneficiary": f"W{writer}-{batch}-{n}", "district": "1703", "sex": "F"}
        for n in range(3)
    ]


def test_concurrent_appenders_keep_the_chain_whole(ledger: Ledger, store_url: str) -> None:
    ledger.record_dicts(
        [{"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
          "name": "MCW", "benefit": "cash"},
         {"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
          "district": "1703"}],
        operator="tests",
    )
    failures: list[BaseException] = []
    checks: list[Verification] = []
    start = threading.Barrier(WRITERS + 1)

    # Each writer and the checker has a ledger (and connections) of its own, opened one after
    # another: opening runs the library's CREATE TABLE IF NOT EXISTS, which PostgreSQL does not
    # allow to race.
    ledgers = [open_ledger(store_url) for _ in range(WRITERS + 1)]

    def write(writer: int) -> None:
        own = ledgers[writer]
        try:
            start.wait(timeout=60)
            for batch in range(BATCHES):
                own.record_dicts(_enrolments(writer, batch), operator=f"writer-{writer}")
        except BaseException as failure:
            failures.append(failure)
        finally:
            own.close()

    def check() -> None:
        own = ledgers[WRITERS]
        try:
            start.wait(timeout=60)
            for _ in range(5):
                checks.append(verify(own.store))
        except BaseException as failure:
            failures.append(failure)
        finally:
            own.close()

    threads = [threading.Thread(target=write, args=(w,)) for w in range(WRITERS)]
    threads.append(threading.Thread(target=check))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(c.ok for c in checks), [c.damage for c in checks if not c.ok]
    final = verify(ledger.store)
    assert final.ok
    assert final.events == 2 + WRITERS * BATCHES * 3
    assert final.head is not None and final.head.position == final.events
