"""The report's coverage section: for each programme, coverage by province and by district,
largest gaps first, as bars a manager reads at a glance."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from projections.coverage import coverage
from projections.queries import AGE_BANDS, table
from projections.report import svg
from projections.service import Projections
from projections.when import PointInTime

# How many districts the chart shows: the largest gaps, which is what the section is for.
DISTRICTS_SHOWN = 20


@dataclass(frozen=True, slots=True)
class Share:
    code: str
    name: str
    beneficiaries: int
    population: int

    @property
    def coverage(self) -> float:
        return self.beneficiaries / self.population if self.population else 0.0


@dataclass(frozen=True, slots=True)
class ProgrammeCoverage:
    programme: str
    age_bands: tuple[str, ...]
    provinces: list[Share]
    districts: list[Share]


def gather_coverage(
    projections: Projections, when: PointInTime, programme: str | None
) -> list[ProgrammeCoverage]:
    """Each programme's coverage of the age bands its active beneficiaries are in, over the
    districts it covers (with population figures), largest gaps first."""
    rows = table(projections, "coverage", when, programme).to_pylist()
    covered = {
        (r["programme"], r["district"])
        for r in table(projections, "district_reach", when, programme).to_pylist()
        if r["covered"]
    }
    out = []
    for code in sorted({r["programme"] for r in rows}):
        bands = tuple(b for b in AGE_BANDS if b != "unknown" and any(
            r["programme"] == code and r["age_band"] == b and r["beneficiaries"] > 0
            for r in rows))
        if not bands:
            continue
        shares = []
        for level, name in (("province", "province_name"), ("district", "district_name")):
            groups = coverage(projections, when, by=(level,), programme=code, age_bands=bands)
            keep = [g for g in groups if g["population"]
                    and (level == "province" or (code, g["district"]) in covered)]
            if level == "province":
                keep = [g for g in keep if any(
                    p == code and d[:2] == g["province"] for p, d in covered)]
            shares.append(sorted(
                (Share(g[level], (g[name] or g[level]).title(),
                       g["beneficiaries"] - g["without_population"], g["population"])
                 for g in keep),
                key=lambda s: (s.coverage, s.code),
            ))
        if not shares[0] and not shares[1]:
            continue  # no figures for the districts it covers
        out.append(ProgrammeCoverage(code, bands, shares[0], shares[1][:DISTRICTS_SHOWN]))
    return out


def coverage_html(programmes: list[ProgrammeCoverage]) -> str:
    """The section: one pair of charts per programme, or a line saying why there is none."""
    parts = ['<section id="coverage"><h2>Coverage: beneficiaries against the population</h2>']
    if not programmes:
        parts.append("<p>No coverage to show: the store holds no population figures for these "
                     "districts (load them with <code>ledger population import</code>).</p>")
    for p in programmes:
        ages = ", ".join(p.age_bands)
        parts += [
            f"<h3>{escape(p.programme)}: ages {escape(ages)}, by province (lowest first)</h3>",
            svg.share_chart(f"{p.programme}: coverage by province, ages {ages}",
                            [s.name for s in p.provinces], [s.coverage for s in p.provinces]),
            f"<h3>{escape(p.programme)}: the {len(p.districts)} covered districts with the "
            "largest gaps</h3>",
            svg.share_chart(f"{p.programme}: coverage by district, ages {ages}",
                            [f"{s.name} ({s.code})" for s in p.districts],
                            [s.coverage for s in p.districts]),
        ]
    parts.append(
        '<p class="note">Coverage is active beneficiaries of known age in the age bands shown '
        "divided by the population of those bands (the store's figures for the latest year on "
        "or before the as-of date), both summed over the area first. Only the provinces and "
        "districts the programme covers are shown. The age bands are those the programme's "
        "active beneficiaries are in; <code>ledger coverage --age-band</code> chooses others."
        "</p></section>"
    )
    return "\n".join(parts)
