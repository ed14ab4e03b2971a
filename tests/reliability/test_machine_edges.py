"""The edges of the machine: a full disk, read-only copies, a second name for the store, another
command holding a lock.

A full disk is a small tmpfs and read-only media a read-only bind mount (both need the mount
privilege, which CI's root has; elsewhere they are skipped, visibly). Without root, read-only is
also tried with `chmod`, which root ignores.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from reliability_support import SETUP, enrolment, jsonl, payment, schema_of, server_url, snapshot

from cli.main import cli
from ledger.application import Ledger
from ledger.bootstrap import open_ledger
from ledger.storage.errors import StoreProblem, StoreReadOnly
from projections.location import projections_file


def _ledger(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert isinstance(result.exception, SystemExit | None), result.exception
    return result.exit_code, result.stdout, result.stderr


def _small_store(url: str) -> None:
    ledger = open_ledger(url, create=True)
    ledger.record_dicts([*SETUP, enrolment("MCW-1703-000002"), payment("P-1")], operator="setup")
    ledger.close()


@contextlib.contextmanager
def _mounted(*args: str) -> Iterator[None]:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs or a read-only bind needs root")
    result = subprocess.run(["mount", *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.skip(f"this machine refuses mounts: {result.stderr.strip()}")
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", args[-1]], check=True)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A folder on a 4 MiB tmpfs."""
    folder = tmp_path / "small"
    folder.mkdir()
    with _mounted("-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)):
        yield folder


def _fill(folder: Path) -> None:
    """Take every free byte of the folder's file system."""
    with (folder / "filler").open("wb") as filler, contextlib.suppress(OSError):
        while True:
            filler.write(b"\0" * 65536)
            filler.flush()


# -- a full disk -----------------------------------------------------------------------------------


def test_an_import_on_a_full_disk_says_so_and_records_nothing(small_disk: Path,
                                                             tmp_path: Path) -> None:
    url = str(small_disk / "ledger.db")
    _small_store(url)
    many = tmp_path / "many.jsonl"
    many.write_bytes(jsonl([enrolment(f"MCW-1703-{n:06d}", note="x" * 200)
                            for n in range(10, 30_010)]))
    before = snapshot(url)
    _fill(small_disk)
    status, _, stderr = _ledger("--store", url, "import", str(many))
    assert status == 1
    assert "disk full" in stderr and "Traceback" not in stderr
    (small_disk / "filler").unlink()
    assert snapshot(url) == before
    assert _ledger("--store", url, "verify")[0] == 0


def test_an_export_onto_a_full_disk_keeps_the_previous_export_whole(small_disk: Path,
                                                                   tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    target = small_disk / "backup.jsonl.gz"
    assert _ledger("--store", url, "export", str(target))[0] == 0
    kept = target.read_bytes(), Path(f"{target}.chain.json").read_bytes()
    ledger = open_ledger(url)
    ledger.record_dicts([enrolment(f"MCW-1703-{n:06d}", note=os.urandom(60).hex())
                         for n in range(10, 20_010)], operator="o")
    ledger.close()
    _fill(small_disk)
    status, _, stderr = _ledger("--store", url, "export", str(target))
    assert status == 1
    assert "disk full" in stderr and "Traceback" not in stderr
    assert (target.read_bytes(), Path(f"{target}.chain.json").read_bytes()) == kept
    assert sorted(p.name for p in small_disk.iterdir()) == ["backup.jsonl.gz",
                                                            "backup.jsonl.gz.chain.json", "filler"]


def test_counts_on_a_full_disk_say_so(small_disk: Path) -> None:
    url = str(small_disk / "ledger.db")
    _small_store(url)
    before = snapshot(url)
    _fill(small_disk)
    status, _, stderr = _ledger("--store", url, "counts", "--as-of", "2025-12-31")
    assert status == 1
    assert "disk full" in stderr and "Traceback" not in stderr
    (small_disk / "filler").unlink()
    assert snapshot(url) == before


# -- read-only copies ------------------------------------------------------------------------------


@pytest.fixture
def read_only_copy(tmp_path: Path) -> Iterator[Path]:
    """A store with its projections, seen through a read-only bind mount."""
    source = tmp_path / "source"
    source.mkdir()
    url = str(source / "ledger.db")
    _small_store(url)
    assert _ledger("--store", url, "counts", "--as-of", "2025-12-31")[0] == 0
    view = tmp_path / "media"
    view.mkdir()
    with _mounted("--bind", "-o", "ro", str(source), str(view)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        yield view / "ledger.db"


def test_read_only_commands_work_on_a_read_only_copy(read_only_copy: Path,
                                                    tmp_path: Path) -> None:
    store = str(read_only_copy)
    status, stdout, stderr = _ledger("--store", store, "verify")
    assert status == 0, stderr
    status, stdout, stderr = _ledger("--store", store, "history", "--beneficiary",
                                     "MCW-1703-000002")
    assert status == 0, stderr
    assert "BeneficiaryEnrolled" in stdout
    status, _, stderr = _ledger("--store", store, "export", str(tmp_path / "copy.jsonl.gz"))
    assert status == 0, stderr
    status, stdout, stderr = _ledger("--store", store, "counts", "--as-of", "2025-12-31",
                                     "--format", "csv")
    assert status == 0, stderr
    assert stdout.splitlines()[1:] == ["mcw,2"]


def test_recording_into_a_read_only_copy_is_refused_clearly(read_only_copy: Path,
                                                            tmp_path: Path) -> None:
    more = tmp_path / "more.jsonl"
    more.write_bytes(jsonl([enrolment("MCW-1703-000009")]))
    status, _, stderr = _ledger("--store", str(read_only_copy), "import", str(more))
    assert status == 1
    assert "read-only copy" in stderr and "Traceback" not in stderr


def test_a_read_only_copy_behind_its_projections_says_where_to_put_them(
        tmp_path: Path) -> None:
    source = tmp_path / "source"
    source.mkdir()
    _small_store(str(source / "ledger.db"))  # no projections file yet
    view = tmp_path / "media"
    view.mkdir()
    with _mounted("--bind", "-o", "ro", str(source), str(view)):
        subprocess.run(["mount", "-o", "remount,bind,ro", str(view)], check=True)
        status, _, stderr = _ledger("--store", str(view / "ledger.db"), "counts",
                                    "--as-of", "2025-12-31")
        assert status == 1
        assert "LEDGER_PROJECTIONS" in stderr and "Traceback" not in stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_a_store_without_write_permission_reads_but_does_not_record(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    Path(url).chmod(0o400)
    tmp_path.chmod(0o500)
    try:
        assert _ledger("--store", url, "verify")[0] == 0
        ledger = open_ledger(url)
        with pytest.raises(StoreReadOnly):
            ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o")
        ledger.close()
    finally:
        tmp_path.chmod(0o700)
        Path(url).chmod(0o600)


# -- a second name ---------------------------------------------------------------------------------


def test_a_store_with_a_second_name_is_refused_for_writing(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    os.link(url, tmp_path / "alias.db")
    before = snapshot(url)
    for name in (url, str(tmp_path / "alias.db")):
        ledger = open_ledger(name)
        with pytest.raises(StoreProblem, match="hard link"):
            ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o")
        ledger.close()
    assert snapshot(url) == before
    assert _ledger("--store", str(tmp_path / "alias.db"), "verify")[0] == 0
    (tmp_path / "alias.db").unlink()
    ledger = open_ledger(url)
    assert ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o").count == 1
    ledger.close()


def test_a_symlinked_store_is_one_store(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    (tmp_path / "alias.db").symlink_to(url)
    ledger = open_ledger(str(tmp_path / "alias.db"))
    assert ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o").count == 1
    ledger.close()


# -- waiting for a lock ----------------------------------------------------------------------------


def test_a_writer_waiting_for_the_lock_says_so_then_records(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    holder = sqlite3.connect(url, isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    try:
        count, said = _recorded_while_held(open_ledger(url), holder.rollback)
    finally:
        holder.close()
    assert count == 1
    assert len(said) == 1 and said[0].startswith("waiting for another command writing to")


@pytest.mark.postgres
def test_a_postgres_writer_waiting_for_the_lock_says_so_then_records(postgres_url: str) -> None:
    _small_store(postgres_url)
    with psycopg.connect(server_url(postgres_url)) as holder:
        holder.execute(f'LOCK TABLE "{schema_of(postgres_url)}".ledger_events IN EXCLUSIVE MODE')
        count, said = _recorded_while_held(open_ledger(postgres_url), holder.rollback)
    assert count == 1
    assert said == ["waiting for another command writing to the store to finish…"]


def _recorded_while_held(ledger: Ledger, release: Callable[[], None]) -> tuple[int, list[str]]:
    """Record one enrolment while another holds the write lock, released 2.5 s later; return
    the events recorded and what the writer said meanwhile."""
    said: list[str] = []
    ledger.store.on_wait = said.append
    timer = threading.Timer(2.5, release)
    timer.start()
    try:
        receipt = ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o")
    finally:
        timer.join()
        ledger.close()
    return receipt.count, said


def test_a_writer_that_gets_the_lock_at_once_says_nothing(tmp_path: Path) -> None:
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    said: list[str] = []
    ledger = open_ledger(url)
    ledger.store.on_wait = said.append
    ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o")
    ledger.close()
    assert said == []


def test_analysts_read_the_projections_while_another_holds_them(tmp_path: Path) -> None:
    """A long read (here: a read-only connection kept open) does not stop another's counts."""
    url = str(tmp_path / "ledger.db")
    _small_store(url)
    assert _ledger("--store", url, "counts", "--as-of", "2025-12-31")[0] == 0
    with _holding_read_only(projections_file(url)):
        started = time.monotonic()
        status, stdout, stderr = _ledger("--store", url, "counts", "--as-of", "2025-12-31",
                                         "--format", "csv")
        assert status == 0, stderr
        assert stdout.splitlines()[1:] == ["mcw,2"]
        assert time.monotonic() - started < 30  # not the 120 s wait for a writer's lock


@contextlib.contextmanager
def _holding_read_only(path: Path) -> Iterator[None]:
    """Another process (an analyst's long query) holding the projections file read-only."""
    code = (f"import duckdb, sys, time; c = duckdb.connect({str(path)!r}, read_only=True); "
            "print('held', flush=True); sys.stdin.read()")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)


def test_projections_behind_the_store_wait_for_readers_then_say_so(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch
                                                                  ) -> None:
    """Bringing the file up to date needs it alone: held by a reader, the update waits with a
    notice and a bounded time, then ends in a clear error."""
    import projections.facts as facts

    url = str(tmp_path / "ledger.db")
    _small_store(url)
    assert _ledger("--store", url, "counts", "--as-of", "2025-12-31")[0] == 0
    ledger = open_ledger(url)
    ledger.record_dicts([enrolment("MCW-1703-000009")], operator="o")
    ledger.close()
    monkeypatch.setattr(facts, "LOCK_WAIT_S", 1.0)
    said: list[str] = []
    with _holding_read_only(projections_file(url)):
        from projections.service import Projections

        with pytest.raises(facts.ProjectionsBusy, match="in use by another process"), \
                Projections.open(url, on_wait=said.append):
            pass
    assert len(said) == 1 and "waiting for another process" in said[0]


def test_a_full_disk_is_named_by_the_cli_for_any_command(tmp_path: Path) -> None:
    """The CLI's guard turns an OS 'no space left' anywhere into the same clear message."""
    from cli.common import reports_errors

    @reports_errors
    def writes() -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(Exception, match="disk full") as caught:
        writes()
    assert type(caught.value).__name__ == "ClickException"
