"""The point in time a question is asked about: as of a date D, as known at a time T (SPEC §4)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([Zz]|[+-]\d{2}:\d{2})")


@dataclass(frozen=True, slots=True)
class PointInTime:
    """As of `as_of` (valid time), as known at `known_at` (transaction time, timezone-aware)."""

    as_of: dt.date
    known_at: dt.datetime

    def __post_init__(self) -> None:
        if self.known_at.tzinfo is None:
            raise ValueError("known_at must carry a UTC offset")

    def parameters(self, programme: str | None = None) -> dict[str, object]:
        """The values every table query binds."""
        return {"as_of": self.as_of, "known_at": self.known_at, "programme": programme}


def parse_as_of(text: str) -> dt.date:
    """`YYYY-MM-DD`, a real calendar date."""
    if not _DATE.fullmatch(text):
        raise ValueError(f"{text!r} is not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{text!r} is not a calendar date") from None


def parse_known_at(text: str) -> dt.datetime:
    """An RFC 3339 timestamp with offset, or a bare date meaning the end of that day in UTC."""
    if _DATE.fullmatch(text):
        day = parse_as_of(text)
        return dt.datetime.combine(day, dt.time.max, tzinfo=dt.UTC)
    if not _TIMESTAMP.fullmatch(text):
        raise ValueError(
            f"{text!r} is not an RFC 3339 timestamp with offset "
            "(e.g. 2025-06-30T23:59:59+07:00) or a date (YYYY-MM-DD)"
        )
    try:
        return dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid timestamp") from None
