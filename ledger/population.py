"""Population reference figures (SPEC §14): read a CSV, check every row, store it with the store."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ledger.domain.errors import LedgerError
from ledger.facts import Origin
from ledger.geography import load_geography
from ledger.interchange.schema import FieldError
from ledger.storage import population as table
from ledger.storage.population import PopulationRow
from ledger.storage.session import LedgerStore

COLUMNS = ("district", "sex", "age_band", "year", "population", "source")
AGE_BANDS = ("0-1", "2-5", "6-11", "12-17", "18-59", "60+", "unknown")
SEXES = ("F", "M")
_MAX_SOURCE = 200


class PopulationRefused(LedgerError):
    """Nothing was loaded: these rows were refused (`file:line: field: reason`)."""

    def __init__(self, refusals: list[FieldError]):
        self.refusals = refusals
        count = len({r.origin.line for r in refusals})
        super().__init__(f"{count} row{'s' if count != 1 else ''} refused; nothing was loaded")

    def report(self) -> str:
        return "\n".join(str(r) for r in self.refusals)


@dataclass(frozen=True, slots=True)
class Loaded:
    """What an import stored: rows, and the (source, year) editions it replaced."""

    rows: int
    editions: list[tuple[str, int]]


def parse(path: Path) -> list[PopulationRow]:
    """Every row of the file, checked; raise PopulationRefused naming each bad row."""
    name = str(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as failure:
        raise PopulationRefused([FieldError(Origin(name, 0), "-", f"not UTF-8 ({failure.reason})")]) from None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise PopulationRefused(
            [FieldError(Origin(name, 1), "header", f"expected the columns {','.join(COLUMNS)}")]
        )
    geography = load_geography()
    rows: list[PopulationRow] = []
    refusals: list[FieldError] = []
    seen: dict[tuple[str, int, str, str, str], int] = {}
    for fields in reader:
        line = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            continue
        if len(fields) != len(COLUMNS):
            refusals.append(FieldError(Origin(name, line), "-", f"expected {len(COLUMNS)} fields, "
                                                         f"found {len(fields)}"))
            continue
        district, sex, band, year_text, count_text, source = (f.strip() for f in fields)
        problems: list[tuple[str, str]] = []
        if district not in geography:
            problems.append(("district", f"{district!r} is not a district of the geography"))
        if sex not in SEXES:
            problems.append(("sex", f"{sex!r} is not F or M"))
        if band not in AGE_BANDS:
            problems.append(("age_band", f"{band!r} is not one of {', '.join(AGE_BANDS)}"))
        year = _integer(year_text)
        if year is None or not 1900 <= year <= 2200:
            problems.append(("year", f"{year_text!r} is not a year (1900-2200)"))
        count = _integer(count_text)
        if count is None or count < 0:
            problems.append(("population", f"{count_text!r} is not a whole number >= 0"))
        if not source or len(source) > _MAX_SOURCE:
            problems.append(("source", f"must be 1-{_MAX_SOURCE} characters"))
        if problems:
            refusals.extend(FieldError(Origin(name, line), f, reason) for f, reason in problems)
            continue
        assert year is not None and count is not None
        key = (source, year, district, sex, band)
        if key in seen:
            refusals.append(FieldError(Origin(name, line), "district",
                                       f"this cell is already given on line {seen[key]}"))
            continue
        seen[key] = line
        rows.append((district, sex, band, year, count, source))
    if refusals:
        raise PopulationRefused(refusals)
    return rows


def import_population(store: LedgerStore, path: Path) -> Loaded:
    """Check the whole file, then replace each (source, year) it names, atomically."""
    rows = parse(path)
    table.replace(store, rows)
    return Loaded(len(rows), sorted({(r[5], r[3]) for r in rows}))


def figures(store: LedgerStore) -> list[PopulationRow]:
    """The stored figures."""
    return table.read(store)


def _integer(text: str) -> int | None:
    if not text.isascii() or not text.isdigit():
        return None
    return int(text)
