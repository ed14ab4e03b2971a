"""Calibration targets and the synthetic coverage schedules of the 2021-2025 sample history."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

# Programme codes (SPEC §2: `[a-z0-9][a-z0-9-]{0,39}`).
SCHOOL_MEALS = "school-meals"
MCW = "mcw"

# The date every headline figure is asked about, and the last instant anything is recorded.
AS_OF = date(2025, 12, 31)
LAST_RECORDING = date(2026, 1, 31)

SCHOOL_MEALS_REGISTERED = date(2021, 1, 4)
MCW_REGISTERED = date(2021, 6, 1)

# SPEC §11, ILO review of the National Social Protection Strategy 2021-25.
SCHOOL_MEALS_DISTRICTS = 41
SCHOOL_MEALS_MIN_CHILDREN = 200_000
SCHOOL_MEALS_ACTIVE = 205_318  # synthetic exact figure chosen just above "over 200,000"
SCHOOL_MEALS_PROVINCES = 17  # mirrors the 17 provinces with Social Protection Committees
MCW_BENEFICIARIES_EVER = 109_000

# The age bands each programme serves, the denominators of the demo's coverage (SPEC §14):
# school meals feed primary pupils (6-11); MCW counts the children under two (mothers are not in
# its denominator).
TARGET_AGE_BANDS = {SCHOOL_MEALS: ("6-11",), MCW: ("0-1",)}

# SPEC §11, public reporting on the Mother and Early Childhood Grant pilot.
MCW_PILOT_START = date(2021, 6, 18)
MCW_PILOT_DISTRICTS = ("1703", "1306")  # Sanamxay (Attapeu), Nong (Savannakhet)
MCW_FIRST_PAYMENT = date(2021, 8, 12)
MCW_FIRST_PAYMENT_DISTRICT = "1703"
MCW_FIRST_PAYMENT_BENEFICIARIES = 982
MCW_NONG_FIRST_PAYMENT = date(2021, 8, 26)  # synthetic: Nong's first round two weeks later
MCW_MONTHLY_BENEFIT_LAK = 150_000
MCW_PAYMENT_AMOUNT = "300000"  # two months paid at once
CURRENCY = "LAK"


@dataclass(frozen=True, slots=True)
class Targets:
    """The calibrated figures at a given scale (exact at scale 1)."""

    school_meals_active: int
    school_meals_districts: int
    mcw_ever_enrolled: int
    mcw_first_payment_beneficiaries: int


def scaled(n: int, scale: float) -> int:
    """Scale a population figure, keeping at least one of everything."""
    return max(1, round(n * scale))


def targets(scale: float = 1.0) -> Targets:
    """The figures a history generated at `scale` is built to meet."""
    return Targets(
        school_meals_active=max(SCHOOL_MEALS_DISTRICTS, scaled(SCHOOL_MEALS_ACTIVE, scale)),
        school_meals_districts=SCHOOL_MEALS_DISTRICTS,
        mcw_ever_enrolled=scaled(MCW_BENEFICIARIES_EVER, scale),
        mcw_first_payment_beneficiaries=scaled(MCW_FIRST_PAYMENT_BENEFICIARIES, scale),
    )


@dataclass(frozen=True, slots=True)
class CoverageChange:
    """One DistrictExpanded (expand=True) or DistrictWithdrawn in a programme's schedule."""

    effective: date
    district: str
    expand: bool = True
    enrolling: bool = True  # False: covered on paper, nobody is ever enrolled in this spell


def _expand(day: date, *districts: str) -> list[CoverageChange]:
    return [CoverageChange(day, d) for d in districts]


# Synthetic School Meals roll-out: remote districts of 17 provinces (not Vientiane Capital). The
# government-funded programme (since 2019) is taken over with 20 districts in January 2021, then
# new districts join at the start of a school year (September) or of a calendar year. 1609 is
# covered briefly in 2022 without any children (withdrawn, re-expanded 2024); 1805 likewise but
# never re-expanded. First batches are Sept-Feb so grade-5 entrants can still graduate in June.
SCHOOL_MEALS_SCHEDULE: tuple[CoverageChange, ...] = (
    *_expand(date(2021, 1, 11), "1703", "1704", "1402", "1403", "1408"),
    *_expand(date(2021, 1, 18), "1502", "1503", "0202", "0203", "0204"),
    *_expand(date(2021, 1, 25), "1305", "1306", "1312", "0303", "0305"),
    *_expand(date(2021, 2, 1), "0402", "0403", "0404", "0706", "0707"),
    *_expand(date(2021, 9, 6), "0710", "0702"),
    *_expand(date(2022, 1, 10), "0502", "0503"),
    CoverageChange(date(2022, 1, 10), "1609", enrolling=False),
    *_expand(date(2022, 2, 7), "0605", "0607"),
    CoverageChange(date(2022, 6, 30), "1609", expand=False),
    *_expand(date(2022, 9, 5), "0608", "0803", "0806"),
    CoverageChange(date(2022, 9, 5), "1805", enrolling=False),
    *_expand(date(2023, 1, 9), "0902", "0903"),
    CoverageChange(date(2023, 5, 31), "1805", expand=False),
    *_expand(date(2023, 9, 4), "0905", "1008", "1011"),
    *_expand(date(2024, 2, 5), "1105", "1106"),
    *_expand(date(2024, 9, 2), "1206", "1207", "1609"),
    *_expand(date(2025, 1, 6), "1604"),
    *_expand(date(2025, 10, 6), "1802"),
)

# Synthetic MCW roll-out after the real pilot: the rest of Attapeu, more of Savannakhet, then
# Xekong, Saravanh, Phongsaly, Huaphanh, Oudomxay, Louangnamtha and Khammouane. 1404 is covered
# for a quarter in 2023 and withdrawn before anyone is enrolled.
MCW_SCHEDULE: tuple[CoverageChange, ...] = (
    *_expand(MCW_PILOT_START, *MCW_PILOT_DISTRICTS),
    *_expand(date(2022, 1, 17), "1701", "1702"),
    *_expand(date(2022, 3, 14), "1704", "1705"),
    *_expand(date(2022, 7, 4), "1305", "1312"),
    *_expand(date(2022, 10, 3), "1310", "1315"),
    *_expand(date(2023, 2, 6), "1501", "1502"),
    CoverageChange(date(2023, 3, 6), "1404", enrolling=False),
    *_expand(date(2023, 4, 3), "1503", "1504"),
    CoverageChange(date(2023, 6, 30), "1404", expand=False),
    *_expand(date(2023, 8, 7), "1402", "1403"),
    *_expand(date(2023, 11, 6), "1408", "1407"),
    *_expand(date(2024, 2, 5), "0202", "0203"),
    *_expand(date(2024, 5, 6), "0204", "0207"),
    *_expand(date(2024, 9, 2), "0702", "0706"),
    *_expand(date(2024, 11, 4), "0707", "0710"),
    *_expand(date(2025, 2, 3), "0402", "0403"),
    *_expand(date(2025, 4, 7), "0404"),
    *_expand(date(2025, 6, 2), "0303", "0305"),
    *_expand(date(2025, 8, 4), "1206", "1207"),
)


@dataclass(frozen=True, slots=True)
class Geography:
    """District → province codes and province → operator-name slugs, from the shipped CSVs."""

    province_of: dict[str, str]
    slug_of: dict[str, str]


def _csv_rows(name: str) -> list[dict[str, str]]:
    # Next to this module rather than importlib.resources, which fails when the editable
    # install exposes replay_data as a namespace package.
    with (Path(__file__).parent / "geography" / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load_geography() -> Geography:
    """Read the district and province codes this generator keys on."""
    slugs = {
        row["province_code"]: row["name_en"].lower().replace(" ", "-")
        for row in _csv_rows("lao_provinces.csv")
    }
    provinces = {
        row["district_code"]: row["province_code"] for row in _csv_rows("lao_districts.csv")
    }
    return Geography(province_of=provinces, slug_of=slugs)
