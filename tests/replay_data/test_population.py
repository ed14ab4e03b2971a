"""The shipped population figures: every district, every year 2021-2025, reproducible."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from ledger.geography import load_geography
from ledger.population import parse
from replay_data import population

SHIPPED = Path(population.__file__).parent / "population.csv"


def test_every_district_has_every_cell_for_every_year() -> None:
    rows = parse(SHIPPED)
    cells = Counter((district, year) for district, _, _, year, _, _ in rows)
    assert set(cells) == {(d, y) for d in load_geography().districts for y in range(2021, 2026)}
    assert set(cells.values()) == {12}  # 2 sexes × 6 age bands with a population


def test_province_totals_follow_the_census_and_the_stated_growth() -> None:
    with SHIPPED.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    geography = load_geography()
    for province, total_2015 in population.PROVINCE_2015.items():
        in_2025 = sum(int(r["population"]) for r in rows
                      if r["year"] == "2025" and geography.province_of(r["district"]) == province)
        expected = total_2015 * 1.0145 ** 10
        assert abs(in_2025 - expected) <= 12 * 20, province  # rounding: <= 0.5 a cell


def test_the_generator_rewrites_the_shipped_file_byte_for_byte(tmp_path: Path) -> None:
    population.write(tmp_path / "population.csv")
    assert (tmp_path / "population.csv").read_bytes() == SHIPPED.read_bytes()
