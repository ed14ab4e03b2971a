"""A fact to record: one event of the interchange format, typed and checked field by field."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

CENT = decimal.Decimal("0.01")


@dataclass(slots=True, unsafe_hash=True)  # hashable by value: never changed once made
class Origin:
    """Where a fact came from, for error messages: `file:line`. Treated as immutable (see Fact)."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(slots=True)
class Fact:
    """One event of SPEC §2: its name, effective date, own fields and optional envelope fields.

    Treated as immutable. (Not declared frozen: a frozen dataclass sets each field through
    `object.__setattr__`, which doubles the cost of the one object made for every line.)
    """

    event: str
    effective_date: dt.date
    fields: Mapping[str, Any]
    id: str | None = None
    recorded_at: dt.datetime | None = None
    operator: str | None = None
    note: str | None = None
    recorded_by: str | None = None  # only a restore's (`import --historical`) line says
    origin: Origin = field(default=Origin("<command>", 1), compare=False)

    @property
    def content_digest(self) -> str:
        """A digest of what the fact says (not who recorded it, when, or under which id).

        A payment's currency is always its programme's, so it is left out: a line that names
        it and one that relies on the default say the same thing.
        """
        fields = self.fields
        order, template = _digest_template(self.event, fields)
        text = template.format(
            self.effective_date.isoformat(),
            _canonical(self.note),
            *[v if v.__class__ is str else _canonical(v) for v in map(fields.__getitem__, order)],
        )
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    def identity(self) -> tuple[str, str]:
        """The fact's id (given, or derived from its content so a re-import never doubles it)
        and its content digest."""
        digest = self.content_digest
        return (self.id if self.id is not None else f"auto-{digest}"), digest

    @property
    def event_id(self) -> str:
        return self.identity()[0]


_templates: dict[str, tuple[frozenset[str], tuple[str, ...], str]] = {}


def _digest_template(event: str, fields: Mapping[str, Any]) -> tuple[tuple[str, ...], str]:
    """The fields a digest covers, sorted by name, and the text they fill in: the event, its
    effective date, its note, then `name=value` for each, separated by U+001F. (An event's
    fields are nearly always the same set: that set's template is kept.)"""
    known = _templates.get(event)
    if known is None or len(known[0]) != len(fields) or not known[0].issuperset(fields):
        order = tuple(
            k for k in sorted(fields) if not (k == "currency" and event == "PaymentRecorded")
        )
        template = "\x1f".join([event.replace("{", "{{").replace("}", "}}"), "{}", "{}",
                                 *(f"{k}={{}}" for k in order)])
        known = _templates[event] = (frozenset(fields), order, template)
    return known[1], known[2]


def _canonical(value: Any) -> str:
    if value is None:
        return "\x00"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.quantize(CENT))
    return str(value)
