"""The ledger's geography: provinces and districts keyed on national codes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Province:
    code: str
    name_en: str
    name_lo: str


@dataclass(frozen=True, slots=True)
class District:
    code: str
    province: str
    name_en: str
    name_lo: str


@dataclass(frozen=True, slots=True)
class Geography:
    """Provinces and districts as shipped in `replay_data/geography/`."""

    provinces: dict[str, Province]
    districts: dict[str, District]

    def __contains__(self, district: object) -> bool:
        return district in self.districts

    def province_of(self, district: str) -> str:
        return self.districts[district].province


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("replay_data") / "geography" / name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def load_geography() -> Geography:
    """Load the reference geography once per process."""
    provinces = {
        row["province_code"]: Province(row["province_code"], row["name_en"], row["name_lo"])
        for row in _rows("lao_provinces.csv")
    }
    districts = {
        row["district_code"]: District(
            row["district_code"], row["province_code"], row["name_en"], row["name_lo"]
        )
        for row in _rows("lao_districts.csv")
    }
    return Geography(provinces, districts)
