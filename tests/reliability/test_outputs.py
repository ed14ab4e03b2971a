"""No output path destroys the store or a companion file, and outputs are replaced whole.

SPEC §10: `export`, `report --out` and `replay --out` refuse a path that is the store, inside
it, or one of its companions (SQLite's journals, the projections file, the key file) — by any
name: relative, through `..`, a symbolic link or a hard link. An existing output is replaced
only whole: written beside it, then renamed.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_support import SETUP, enrolment

from cli.main import cli
from ledger.bootstrap import open_ledger
from ledger.outputs import replaced_whole


def _ledger(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite ledger with its projections built, in the working directory."""
    monkeypatch.chdir(tmp_path)
    url = tmp_path / "ledger.db"
    ledger = open_ledger(str(url), create=True)
    ledger.record_dicts([*SETUP, enrolment("B1")], operator="setup")
    ledger.close()
    assert _ledger("--store", str(url), "counts", "--as-of", "2025-12-31")[0] == 0
    (tmp_path / "ledger.db.key").write_bytes(b"a key")
    return url


def _names_of(store: Path) -> list[str]:
    folder = store.parent
    (folder / "alias.db").symlink_to(store.name)
    os.link(store, folder / "second-name.db")
    (folder / "sub").mkdir()
    return ["ledger.db", "./ledger.db", "sub/../ledger.db", str(store), "alias.db",
            "second-name.db", "ledger.db-wal", "ledger.db-shm", "ledger.db-journal",
            "ledger.projections.duckdb", "ledger.projections.duckdb.wal", "ledger.db.key",
            "ledger.db/inside.html"]


@pytest.mark.parametrize("command", [
    ["export"],
    ["report", "--as-of", "2025-12-31", "--out"],
    ["replay", "--as-of", "2025-12-31", "--out"],
])
def test_no_output_path_can_name_the_store_or_a_companion(store: Path, command: list[str]) -> None:
    names = _names_of(store)
    before = _digests(store.parent)
    for name in names:
        status, output = _ledger("--store", str(store), *command, name)
        assert status != 0, (command, name, output)
        assert "Error:" in output, (command, name, output)
        assert _digests(store.parent) == before, (command, name)
    # The store still answers, whole.
    status, output = _ledger("--store", str(store), "verify")
    assert status == 0, output


def test_an_export_through_a_symlinked_folder_into_the_store_is_refused(store: Path) -> None:
    elsewhere = store.parent / "elsewhere"
    elsewhere.symlink_to(store.parent)
    before = _digests(store.parent)
    status, output = _ledger("--store", str(store), "export", str(elsewhere / "ledger.db"))
    assert status == 1 and "is the ledger's store" in output
    assert _digests(store.parent) == before


def test_a_good_export_and_report_are_written_and_replace_older_ones_whole(store: Path) -> None:
    export = store.parent / "export.jsonl.gz"
    for _ in range(2):
        status, output = _ledger("--store", str(store), "export", str(export))
        assert status == 0, output
    status, output = _ledger("--store", str(store), "verify", "--export", str(export))
    assert status == 0, output
    status, output = _ledger("--store", str(store), "report", "--as-of", "2025-12-31",
                             "--out", "report.html")
    assert status == 0, output
    assert sorted(p.name for p in store.parent.iterdir() if ".partial" in p.name) == []


def test_a_failed_write_leaves_the_old_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    target.write_text("the old report")

    with pytest.raises(RuntimeError), replaced_whole(target) as partial:
        partial.write_text("half a new rep")
        raise RuntimeError("killed")

    assert target.read_text() == "the old report"
    assert [p.name for p in tmp_path.iterdir()] == ["report.html"]


@pytest.mark.parametrize(("damage", "message"), [
    (lambda data: data[:100], "is cut short"),
    (lambda data: b"garbage that is not gzip\n", "is not a readable gzip file"),
])
def test_verify_export_of_a_broken_gzip_is_a_clear_error(store: Path, damage, message) -> None:  # type: ignore[no-untyped-def]
    export = store.parent / "export.jsonl.gz"
    assert _ledger("--store", str(store), "export", str(export))[0] == 0
    export.write_bytes(damage(export.read_bytes()))

    status, output = _ledger("--store", str(store), "verify", "--export", str(export))

    assert status == 1
    assert output.startswith("Error: ") and message in output
    assert "Traceback" not in output and "Aborted" not in output


def test_a_new_sqlite_store_is_created_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    ledger = open_ledger(str(path), create=True)
    ledger.record_dicts(SETUP, operator="setup")
    assert path.stat().st_mode & 0o777 == 0o600
    for journal in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        if journal.exists():
            assert journal.stat().st_mode & 0o777 == 0o600
    ledger.close()


def test_keygen_never_writes_the_stores_key_file(store: Path) -> None:
    (store.parent / "ledger.db.key").unlink()
    status, output = _ledger("--store", str(store), "keygen", "--out", "ledger.db")
    assert status == 1 and "is the ledger's key file" in output
    assert not (store.parent / "ledger.db.key").exists()
