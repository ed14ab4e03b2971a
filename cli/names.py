"""Names beside codes in the tables printed for people (scripts keep the codes alone)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ledger.geography import load_geography


def with_district_names(
    rows: list[dict[str, Any]], columns: Sequence[str], fmt: str
) -> tuple[list[dict[str, Any]], list[str]]:
    """For `--format table`: a `district_name` column after `district`."""
    if fmt != "table" or "district" not in columns:
        return rows, list(columns)
    districts = load_geography().districts
    named = [
        {**r, "district_name": districts[r["district"]].name_en
         if r.get("district") in districts else None}
        for r in rows
    ]
    at = list(columns).index("district") + 1
    return named, [*columns[:at], "district_name", *columns[at:]]
