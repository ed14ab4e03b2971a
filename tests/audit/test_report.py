"""`report`: one self-contained HTML page with the figures, charts and integrity result — and
nothing personal in it."""

from __future__ import annotations

import re
from pathlib import Path

from report_support import pilot_report

from projections.report import svg


def test_the_report_holds_the_headline_figures_and_charts(tmp_path: Path) -> None:
    page = pilot_report(tmp_path).read_text(encoding="utf-8")
    assert "Beneficiary programmes — as of 31 December 2021" in page
    assert page.count("<svg") == 7  # mcw: 4 charts; school-meals (in kind, no payments): 3
    headline = re.search(r'<section id="overview">.*?</section>', page, re.S)
    assert headline is not None
    cells = re.findall(r"<td[^>]*>([^<]*)</td>", headline.group(0))
    # mcw: 2 active (B1; B2 after its transfer), 3 ever (B4 retracted), 2 districts, 300,000 paid
    assert cells[:7] == ["mcw", "2", "3", "2", "2", "2", "300,000 LAK"]
    assert cells[7:] == ["school-meals", "1", "1", "1", "1", "1", "—"]
    assert "Savannakhet" in page and "Attapeu" in page
    assert "<td>2021-08</td>" in page


def test_the_report_notes_data_quality_and_integrity(tmp_path: Path) -> None:
    page = pilot_report(tmp_path).read_text(encoding="utf-8")
    assert "mcw: 6 events were recorded after the month in which they took effect had ended " \
        "(54.5%; the longest delay 106 days)" in page
    assert "mcw: 1 event was retracted; retracted events count nowhere" in page
    assert "mcw: 1 payment reversed (300,000 LAK)" in page
    assert 'class="integrity ok"' in page
    assert "Chain intact: all 16 stored events match" in page
    assert "Integrity verified" not in page
    assert "they were not checked against the stored events" in page
    assert "Intact: the integrity chain over all 16 stored events" in page


def test_the_report_is_self_contained_and_impersonal(tmp_path: Path) -> None:
    page = pilot_report(tmp_path).read_text(encoding="utf-8")
    assert "<script" not in page and " src=" not in page and "href=" not in page
    assert re.findall(r"https?://[^\"' ]+", page) == ["http://www.w3.org/2000/svg"] * 7
    assert not re.search(r"\bB[1-9]\b", page)  # no beneficiary ids
    assert "enr-" not in page and "pay-" not in page  # no event ids
    assert "1995-03-02" not in page  # no birth dates


def test_chart_text_is_escaped() -> None:
    chart = svg.bar_chart("<script>", ["<b>&"], [3])
    assert "<script>" not in chart and "&lt;script&gt;" in chart
    assert "&lt;b&gt;&amp;" in chart
