"""Rendering rows as a readable table, JSON or CSV — the same choices for every read command."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import click

from ledger.audit.visible import json_visible, visible

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "csv")


def format_option(func: F) -> F:
    """Add `--format table|json|csv` to a command."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(FORMATS),
        default="table",
        show_default=True,
        help="table for people, json (an array of objects) or csv (with a header) for scripts.",
    )(func)


def _plain(value: Any) -> Any:
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _cell(value: Any) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    return visible(str(value))  # a crafted note must not draw on the reader's terminal


def render(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], fmt: str) -> str:
    """Render rows (mappings keyed by column name) in the chosen format.

    Table and CSV cells show control and format characters as escapes (ledger/audit/visible.py);
    JSON writes them as `\\u` escapes: valid, and the same values once decoded.
    """
    if fmt == "json":
        return json_visible(json.dumps(
            [{c: _plain(r.get(c)) for c in columns} for r in rows], ensure_ascii=False, indent=2
        ))
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([_cell(r.get(c)) for c in columns])
        return buffer.getvalue().rstrip("\n")
    cells = [[_cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(row[i]) for row in cells]) for i, c in enumerate(columns)]
    numeric = [
        all(_is_number(r.get(c)) for r in rows) and bool(rows) for c in columns
    ]

    def line(values: Sequence[str]) -> str:
        return "  ".join(
            v.rjust(w) if num else v.ljust(w) for v, w, num in zip(values, widths, numeric, strict=True)
        ).rstrip()

    out = [line(columns), line(["-" * w for w in widths])]
    out.extend(line(row) for row in cells)
    return "\n".join(out)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | decimal.Decimal) and not isinstance(value, bool)
