"""The report as one self-contained HTML page: headline figures, charts, reach, payments,
data quality and integrity. Every piece of text passes through `escape`."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Sequence

from ledger.audit.verify import Verification
from projections.report import svg
from projections.report.coverage import coverage_html
from projections.report.figures import ProgrammeFigures, ReportData
from projections.report.recorders import Recorder
from projections.report.svg import escape
from projections.report.template import PAGE, STYLE

Cell = str | int | decimal.Decimal | None

UNCHECKED = ("The figures are read from the projections file, which the chain does not cover: "
             "they were not checked against the stored events.")


def render(data: ReportData, *, generated_at: dt.datetime) -> str:
    """The whole page."""
    when = data.options.when
    sections = [_status(data.options.verification), _overview(data)]
    sections.extend(_programme(p) for p in data.programmes)
    sections.append(coverage_html(data.coverage))
    sections.append(_quality(data))
    sections.append(_integrity(data.options.verification, data.options.recorders))
    return PAGE.substitute(
        title=escape(f"Beneficiary programmes — as of {when.as_of:%d %B %Y}"),
        subtitle=escape(
            f"As known at {when.known_at.isoformat(timespec='seconds')}"
            + (f" · programme {data.options.programme}" if data.options.programme else "")
            + f" · {data.events:,} events in the ledger"
        ),
        style=STYLE,
        body="\n".join(sections),
        footer=escape(
            f"Generated {generated_at.isoformat(timespec='seconds')} by `ledger report`. "
            "Figures only: the report holds no names, document numbers or beneficiary ids. "
            "A beneficiary is active on a date if their last enrolment, transfer or exit on or "
            "before it is not an exit; a late recording was recorded after the calendar month in "
            "which it took effect had ended."
        ),
    )


def _overview(data: ReportData) -> str:
    if not data.programmes:
        return '<section id="overview"><h2>Overview</h2><p>No programme is registered by this ' \
               "date.</p></section>"
    rows = [
        [p.code, p.summary["active_beneficiaries"], p.summary["beneficiaries_ever"],
         p.summary["districts_covered"], p.summary["districts_reached"],
         p.summary["provinces_covered"],
         _money(p.amount_paid, p.currency) if p.periods else "—"]
        for p in data.programmes
    ]
    header = ["programme", "active beneficiaries", "ever enrolled", "districts covered",
              "districts reached", "provinces covered", "paid to date"]
    return ('<section id="overview"><h2>Headline figures</h2>'
            + _table(header, rows, numeric_from=1) + "</section>")


def _programme(p: ProgrammeFigures) -> str:
    s = p.summary
    cards = [
        ("active beneficiaries", f"{s['active_beneficiaries']:,}"),
        ("ever enrolled", f"{s['beneficiaries_ever']:,}"),
        ("districts covered", f"{s['districts_covered']:,}"),
        ("districts reached", f"{s['districts_reached']:,}"),
        ("provinces covered", f"{s['provinces_covered']:,}"),
    ]
    if p.periods:
        cards.append(("paid to date", _compact_money(p.amount_paid, p.currency)))
    days = [m.month_end for m in p.months]
    parts = [
        f'<section class="programme" id="programme-{escape(p.code)}">',
        f"<h2>Programme {escape(p.code)}</h2>",
        '<div class="cards">',
        *(f'<div class="card"><div class="value">{escape(v)}</div>'
          f'<div class="label">{escape(k)}</div></div>' for k, v in cards),
        "</div>",
        "<h3>Active beneficiaries at each month-end</h3>",
        svg.line_chart(f"{p.code}: active beneficiaries per month-end", days,
                       [m.active for m in p.months]),
        "<h3>Entries and exits per month</h3>",
        svg.flow_chart(f"{p.code}: entries and exits per month", days,
                       [m.entries for m in p.months], [m.exits for m in p.months]),
        "<h3>District reach by province</h3>",
        svg.bar_chart(f"{p.code}: active beneficiaries per province",
                      [r.name for r in p.provinces], [r.beneficiaries for r in p.provinces]),
        _table(["province", "districts covered", "districts reached", "active beneficiaries"],
               [[r.name, r.districts_covered, r.districts_reached, r.beneficiaries]
                for r in p.provinces], numeric_from=1),
    ]
    if p.periods:
        parts += [
            "<h3>Payments per period</h3>",
            svg.column_chart(f"{p.code}: amount paid per period", [x.period for x in p.periods],
                             [float(x.amount) for x in p.periods], unit=f" {p.currency or ''}"),
            _table(["period", "payments", "beneficiaries paid", "amount"],
                   [[x.period, x.payments, x.beneficiaries_paid, _money(x.amount, p.currency)]
                    for x in p.periods], numeric_from=1),
            '<p class="note">Reversed payments are not counted. Beneficiaries paid are summed '
            "over districts.</p>",
        ]
    parts.append("</section>")
    return "\n".join(parts)


def _quality(data: ReportData) -> str:
    rows = []
    notes = []
    for p in data.programmes:
        q = p.quality
        if not q:
            continue
        share = q["late_recordings"] / q["events"] if q["events"] else 0.0
        rows.append([p.code, q["events"], q["late_recordings"], f"{share:.1%}",
                     f"{q['median_delay_days']:g}", q["longest_delay_days"], q["retractions"],
                     q["reversals"],
                     _money(q["amount_reversed"], p.currency)])
        if q["late_recordings"]:
            notes.append(f"{p.code}: {_events(q['late_recordings'])} recorded after the month "
                         f"in which {'it' if q['late_recordings'] == 1 else 'they'} took effect "
                         f"had ended ({share:.1%}; the longest delay {q['longest_delay_days']:,}"
                         " days): month-end figures made on time missed them, so figures for "
                         "recent months may still change as records arrive.")
        if q["retractions"]:
            notes.append(f"{p.code}: {_events(q['retractions'])} retracted; "
                         "retracted events count nowhere in this report.")
        if q["reversals"]:
            notes.append(f"{p.code}: {q['reversals']:,} payment{'s' if q['reversals'] != 1 else ''}"
                         f" reversed ({_money(q['amount_reversed'], p.currency)}); reversed "
                         "payments are not counted as paid.")
    header = ["programme", "events counted", "late recordings", "share late",
              "median delay (days)", "longest delay (days)", "retractions", "reversals",
              "amount reversed"]
    body = _table(header, rows, numeric_from=1) if rows else "<p>No events yet.</p>"
    items = "".join(f"<li>{escape(n)}</li>" for n in notes)
    return (f'<section id="data-quality"><h2>Data quality</h2>{body}'
            + (f"<ul>{items}</ul>" if items else "") + "</section>")


def _status(result: Verification | None) -> str:
    """One line at the top: can the figures below be trusted to be what was recorded?"""
    if result is None:
        css, text = "unknown", "Integrity not verified for this report."
    elif result.ok:
        css, text = "ok", (f"Chain intact: all {result.events:,} stored events match the "
                           f"ledger's cryptographic chain. {UNCHECKED}")
    elif result.first is None:
        css, text = "bad", ("Integrity check FAILED: the ledger's side tables (the keys that "
                            "keep imports idempotent) were changed behind its back.")
    else:
        css, text = "bad", (f"Integrity check FAILED: the ledger was changed behind its back "
                            f"(first at position {result.first.position:,}). See Integrity below.")
    return f'<p class="status {css}" id="status">{escape(text)}</p>'


def _integrity(result: Verification | None, recorders: tuple[Recorder, ...] | None) -> str:
    who = _recorders(recorders)
    if result is None:
        return ('<section id="integrity"><h2>Integrity</h2><div class="integrity unknown">'
                f"The chain was not verified for this report.</div>{who}</section>")
    if result.ok:
        status = (f"Intact: the integrity chain over all {result.events:,} stored events was "
                  "recomputed and matches; no stored event was changed behind the ledger's back. "
                  + UNCHECKED)
        css = "ok"
    elif result.first is None:
        status = "DAMAGED: " + "; ".join(t.problem() for t in result.tables if not t.ok)
        css = "bad"
    else:
        first = result.first
        verb = "position does" if result.damaged == 1 else "positions do"
        status = (f"DAMAGED: {result.damaged:,} {verb} not match the integrity chain. "
                  f"The first is position {first.position} ({first.kind}: {first.detail}). "
                  "The figures above may not be what was recorded.")
        css = "bad"
    head = ""
    if result.head is not None:
        head = (f'<p>Chain head: position {result.head.position:,}, SHA-256 '
                f'<span class="digest">{result.head.digest.hex()}</span></p>')
    return (f'<section id="integrity"><h2>Integrity</h2>'
            f'<div class="integrity {css}"><strong>{escape(status)}</strong>{head}</div>'
            f"{who}</section>")


def _recorders(recorders: tuple[Recorder, ...] | None) -> str:
    """Who recorded the events, as the store proved it (SPEC §12)."""
    if recorders is None:
        return ""
    rows: list[list[Cell]] = [[r.recorded_by or "(not known)", r.events, r.restored,
             r.first.isoformat(timespec="seconds"), r.last.isoformat(timespec="seconds")]
            for r in recorders]
    body = _table(["recorded by", "events", "of which restored", "first recorded",
                   "last recorded"], rows, numeric_from=1) if rows else "<p>No events yet.</p>"
    return ('<h3 id="recorded-by">Who recorded the events</h3><p>As the store proved it: the '
            "PostgreSQL login (or the OS user of a SQLite file) that appended each event. "
            "Restored events were appended by <code>import --historical</code>, which keeps "
            f"who recorded them first.</p>{body}")


def _table(header: Sequence[str], rows: Sequence[Sequence[Cell]], *, numeric_from: int) -> str:
    def attrs(i: int) -> str:
        return ' class="n"' if i >= numeric_from else ""

    head = "".join(f"<th{attrs(i)}>{escape(h)}</th>" for i, h in enumerate(header))
    body = "".join(
        "<tr>" + "".join(f"<td{attrs(i)}>{escape(_cell(v))}</td>" for i, v in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, int | decimal.Decimal):
        return f"{value:,}"
    return value


def _events(count: int) -> str:
    return f"{count:,} event was" if count == 1 else f"{count:,} events were"


def _compact_money(amount: decimal.Decimal, currency: str | None) -> str:
    """159,189,600,000 → 159.19 bn (cards are small; the tables give the full amount)."""
    for size, suffix in ((10**9, " bn"), (10**6, " M")):
        if amount >= size:
            text = f"{amount / size:,.2f}{suffix}"
            return f"{text} {currency}" if currency else text
    return _money(amount, currency)


def _money(amount: decimal.Decimal | None, currency: str | None) -> str:
    if amount is None:
        return ""
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    return f"{text} {currency}" if currency else text
