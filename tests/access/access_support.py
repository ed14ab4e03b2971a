"""What the access tests share: the store's history and the logins of each ledger role."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import psycopg
from click.testing import CliRunner, Result

from cli.main import cli

SETUP: list[dict[str, Any]] = [
    {"event": "ProgrammeRegistered", "effective_date": "2021-06-01", "programme": "mcw",
     "name": "Mother and Early Childhood Grant", "benefit": "cash"},
    *({"event": "DistrictExpanded", "effective_date": "2021-06-18", "programme": "mcw",
       "district": d, "id": f"expand-{d}"} for d in ("1703", "1701", "1306")),
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-20", "programme": "mcw",
     "beneficiary": "B-1703", "district": "1703", "sex": "F", "birth_date": "2021-01-05",
     "household": "HH-SECRET-17", "note": "private note 17"},
    {"event": "BeneficiaryEnrolled", "effective_date": "2021-06-20", "programme": "mcw",
     "beneficiary": "B-1306", "district": "1306", "sex": "M", "birth_date": "2020-02-05",
     "household": "HH-SECRET-13", "note": "private note 13"},
]
"""mcw covers 1701 and 1703 (province 17) and 1306 (province 13); one beneficiary in each."""


@dataclass
class Roles:
    """The owner's store URL and a login for each ledger role (operator: province 17)."""

    owner: str
    schema: str
    logins: dict[str, str]  # ledger role (or "nobody") -> login name

    def url(self, role: str) -> str:
        return self.owner.replace("://postgres@", f"://{self.logins[role]}@", 1)

    def connect(self, role: str) -> psycopg.Connection[Any]:
        parts = urlparse(self.owner)
        return psycopg.connect(host=parts.hostname, port=parts.port or 5432,
                               dbname=parts.path.lstrip("/"), user=self.logins[role],
                               autocommit=True)

    def run(self, role: str, *args: str) -> Result:
        url = self.owner if role == "owner" else self.url(role)
        return CliRunner().invoke(cli, ["--store", url, "--operator", role, *args])

    def count(self) -> int:
        with psycopg.connect(self.owner.split("?")[0]) as connection:
            row = connection.execute(f'SELECT count(*) FROM "{self.schema}".ledger_events').fetchone()
        return int(row[0]) if row else 0


def jsonl(path: Path, lines: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path
