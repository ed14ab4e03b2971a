"""Keys, checkpoints and the CLI for the checkpoint tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from cli.main import cli
from ledger.application import Ledger


def run(store: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args])


def keys(tmp_path: Path) -> tuple[Path, Path]:
    """A fresh key pair named audit.example/ledger: (private, public)."""
    result = CliRunner().invoke(cli, ["keygen", "--out", str(tmp_path / "audit"),
                                      "--name", "audit.example/ledger"])
    assert result.exit_code == 0, result.output
    return tmp_path / "audit.key", tmp_path / "audit.pub"


def checkpoint(store: str, key: Path, out: Path) -> Path:
    result = run(store, "checkpoint", "--key", str(key), "--out", str(out))
    assert result.exit_code == 0, result.output
    return out


def verify(store: str, note: Path, public: Path, *more: str) -> Result:
    return run(store, "verify", "--checkpoint", str(note), "--public-key", str(public), *more)


def enrolments(start: int, count: int, recorded_at: str | None = None) -> list[dict[str, Any]]:
    """`count` enrolments in the pilot's MCW programme (district 1703), ids from `start`."""
    when = {} if recorded_at is None else {"recorded_at": recorded_at}
    return [{"event": "BeneficiaryEnrolled", "effective_date": "2021-08-01", "id": f"enr-x{i}",
             "programme": "mcw", "beneficiary": f"X{i}", "district": "1703", "sex": "F",
             "operator": "tests", **when}
            for i in range(start, start + count)]


def record_more(ledger: Ledger, start: int, count: int, recorded_at: str | None = None) -> None:
    """More enrolments: recorded now, or restored as recorded at `recorded_at` (which may not be
    before the latest checkpoint)."""
    ledger.record_dicts(enrolments(start, count, recorded_at), operator="tests",
                        historical=recorded_at is not None, source=f"more-{start}")
