"""`coverage` grouped as an analyst asks: beneficiaries and population summed, then divided."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from projections.queries import (
    AGE_BANDS,
    COUNT_DIMENSIONS,
    QueryError,
    Row,
    named,
    shown_columns,
    sort_key,
)
from projections.service import Projections
from projections.tables import COVERAGE
from projections.when import PointInTime

NO_FIGURE = "no population figure"


def coverage(
    projections: Projections,
    when: PointInTime,
    *,
    by: Sequence[str] = ("programme",),
    programme: str | None = None,
    age_bands: Sequence[str] | None = None,
) -> list[Row]:
    """Coverage by some of programme, province, district, sex and age band (all bands by default).

    A group's coverage is its beneficiaries over its population, both summed over its cells;
    beneficiaries in cells without a figure (an `unknown` age, a year before any figure) are
    counted in `beneficiaries` and apart in `without_population`, never divided by nothing.
    """
    unknown = [c for c in by if c not in COUNT_DIMENSIONS]
    if unknown or not by or len(set(by)) != len(by):
        raise QueryError(
            f"--by takes distinct names among {','.join(COUNT_DIMENSIONS)}"
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    bands = list(age_bands) if age_bands else list(AGE_BANDS)
    wrong = [b for b in bands if b not in AGE_BANDS]
    if wrong:
        raise QueryError(f"age bands are {', '.join(AGE_BANDS)} (not {', '.join(wrong)})")
    rows = COVERAGE.compute(projections.connection, when, programme).to_pylist()
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        if row["age_band"] not in bands:
            continue
        key = tuple(row[c] for c in by)
        group = groups.setdefault(key, {"beneficiaries": 0, "population": None,
                                        "without_population": 0, "years": set()})
        group["beneficiaries"] += row["beneficiaries"]
        if row["population"] is None:
            group["without_population"] += row["beneficiaries"]
        else:
            group["population"] = (group["population"] or 0) + row["population"]
            group["years"].add(row["population_year"])
    out: list[Row] = []
    for key, group in sorted(groups.items(), key=lambda item: sort_key(by, item[0])):
        population = group["population"]
        years = sorted(group["years"])
        out.append(
            {
                **named(dict(zip(by, key, strict=True))),
                "beneficiaries": group["beneficiaries"],
                "population": population,
                "coverage": (group["beneficiaries"] - group["without_population"]) / population
                if population else None,
                "population_year": "-".join(str(y) for y in sorted({years[0], years[-1]}))
                if years else NO_FIGURE,
                "without_population": group["without_population"],
            }
        )
    return out


def columns(by: Sequence[str], *, names: bool = True) -> list[str]:
    """The columns `coverage` returns for a grouping (with names beside codes, or not)."""
    return [*(shown_columns(by) if names else by), "beneficiaries", "population", "coverage",
            "population_year", "without_population"]
