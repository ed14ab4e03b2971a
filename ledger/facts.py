"""A fact to record: one event of the interchange format, typed and checked field by field."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


CENT = decimal.Decimal("0.01")


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a fact came from, for error messages: `file:line`."""

    source: str
    line: int

    def __str__(self) -> str:
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Fact:
    """One event of SPEC §2: its name, effective date, own fields and optional envelope fields."""

    event: str
    effective_date: dt.date
    fields: Mapping[str, Any]
    id: str | None = None
    recorded_at: dt.datetime | None = None
    operator: str | None = None
    note: str | None = None
    origin: Origin = field(default=Origin("<command>", 1), compare=False)

    @property
    def content_digest(self) -> str:
        """A digest of what the fact says (not who recorded it, when, or under which id)."""
        canonical = {
            "event": self.event,
            "effective_date": self.effective_date.isoformat(),
            "note": self.note,
            **{k: _canonical(v) for k, v in self.fields.items()},
        }
        text = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.blake2b(text.encode("utf-8"), digest_size=16).hexdigest()

    @property
    def event_id(self) -> str:
        """The given id, or a stable one derived from the content (so a re-import never doubles)."""
        return self.id if self.id is not None else f"auto-{self.content_digest}"


def _canonical(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value.quantize(CENT))
    return value
