"""Write `population.csv`: sample population figures for every district, 2021-2025 (see README).

Deterministic, no seed: province totals of the 2015 census, grown at a stated rate, split by a
stated national sex and age structure, and shared equally among a province's districts. Run
`python -m replay_data.population` to regenerate the shipped file byte for byte.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

HERE = Path(__file__).parent
SOURCE = "lao-phc-2015-projected"
YEARS = range(2021, 2026)
GROWTH = 0.0145  # a year: the census's intercensal rate 2005-2015
FEMALE_SHARE = 3_237_458 / 6_492_228  # females / total, census 2015

# Population of each province, Lao Population and Housing Census 2015 (1 March 2015).
PROVINCE_2015 = {
    "01": 820_924, "02": 177_989, "03": 175_753, "04": 307_622, "05": 179_243, "06": 431_889,
    "07": 289_393, "08": 381_376, "09": 244_684, "10": 419_090, "11": 273_691, "12": 392_052,
    "13": 969_697, "14": 396_942, "15": 113_048, "16": 694_023, "17": 139_628, "18": 85_168,
}

# Share of the population in each SPEC §5 age band (whole years), the national structure of the
# census's five-year groups with each group spread evenly over its years; both sexes alike.
AGE_SHARES = {
    "0-1": 0.050, "2-5": 0.096, "6-11": 0.135, "12-17": 0.125, "18-59": 0.526, "60+": 0.068,
}


def districts_by_province() -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    with (HERE / "geography" / "lao_districts.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            grouped[row["province_code"]].append(row["district_code"])
    return {p: sorted(codes) for p, codes in sorted(grouped.items())}


def rows() -> list[tuple[str, str, str, int, int, str]]:
    """One row per district × sex × age band × year, rounded to whole persons."""
    out: list[tuple[str, str, str, int, int, str]] = []
    for province, codes in districts_by_province().items():
        for year in YEARS:
            total = PROVINCE_2015[province] * (1 + GROWTH) ** (year - 2015)
            per_district = total / len(codes)
            for district in codes:
                for sex, share in (("F", FEMALE_SHARE), ("M", 1 - FEMALE_SHARE)):
                    for band, band_share in AGE_SHARES.items():
                        count = round(per_district * share * band_share)
                        out.append((district, sex, band, year, count, SOURCE))
    out.sort(key=lambda r: (r[3], r[0], r[1], list(AGE_SHARES).index(r[2])))
    return out


def write(path: Path = HERE / "population.csv") -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(("district", "sex", "age_band", "year", "population", "source"))
        writer.writerows(rows())


if __name__ == "__main__":
    write()
