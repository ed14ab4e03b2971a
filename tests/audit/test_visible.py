"""A crafted note or operator cannot draw on an auditor's terminal: `history` shows every control
and format character as an escape, in the table, in CSV and in JSON — on both stores."""

from __future__ import annotations

import json

import pytest
from audit_support import record_pilot
from click.testing import CliRunner, Result

from cli.main import cli
from ledger.audit.visible import json_visible, visible
from ledger.bootstrap import open_ledger

NOTE = ("ok\r\n| 9999 | fake | row |\x1b[2J\x1b]8;;http://evil.example\x07link\x1b]8;;\x07"
        "\u202edaor\u200b\u2066\ufeff\x85\x7f\tend")
HIDDEN = [chr(c) for c in (*range(0x20), 0x7f, 0x85, 0x200b, 0x202e, 0x2066, 0xfeff)]


@pytest.fixture
def store(store_url: str) -> str:
    ledger = open_ledger(store_url, create=True)
    record_pilot(ledger)
    ledger.close()
    return store_url


def _run(store: str, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--store", store, *args])


def _crafted(store: str) -> None:
    result = _run(store, "--operator", "clerk\x1b[31m\u202e", "exit", "mcw", "B1",
                  "--reason", "moved-away", "--effective", "2022-01-31", "--note", NOTE)
    assert result.exit_code == 0, result.output


def test_a_crafted_note_is_shown_escaped_in_the_table(store: str) -> None:
    _crafted(store)
    result = _run(store, "history", "--beneficiary", "B1")
    assert result.exit_code == 0, result.output
    body = result.stdout.rstrip("\n")
    assert not [c for c in HIDDEN if c in body.replace("\n", "")]
    assert len(body.splitlines()) == 2 + 4  # header, rule, the pilot's three events and the exit
    assert "ok\\x0d\\x0a| 9999" in body and "\\x1b[2J" in body and "\\x1b]8;;" in body
    assert "\\u202edaor\\u200b\\u2066\\ufeff\\x85\\x7f\\x09end" in body
    assert "clerk\\x1b[31m\\u202e" in body


def test_a_crafted_note_is_shown_escaped_in_csv(store: str) -> None:
    _crafted(store)
    result = _run(store, "history", "--beneficiary", "B1", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert not [c for c in HIDDEN if c in result.stdout.replace("\n", "")]
    assert len(result.stdout.splitlines()) == 1 + 4


def test_json_escapes_them_and_keeps_the_values(store: str) -> None:
    _crafted(store)
    result = _run(store, "history", "--beneficiary", "B1", "--format", "json")
    assert result.exit_code == 0, result.output
    assert not [c for c in HIDDEN if c in result.stdout.replace("\n", "")]
    rows = json.loads(result.stdout)
    assert rows[-1]["note"] == NOTE and rows[-1]["operator"] == "clerk\x1b[31m\u202e"


def test_visible_text_is_left_alone() -> None:
    assert visible("ນາງ ສີ — Vientiane, 100 %") == "ນາງ ສີ — Vientiane, 100 %"
    assert visible("a\u202eb\U000e0001") == "a\\u202eb\\U000e0001"
    assert json.loads(json_visible(json.dumps("\U000e0001\u061c", ensure_ascii=False))) \
        == "\U000e0001\u061c"
