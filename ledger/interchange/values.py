"""How the value of each field of event log v1 is checked: one function per kind of value.

Each check takes the JSON value of one field and returns it typed (a date, an amount, a code) or
raises Invalid, whose message says why; schema.py says which field takes which check.
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import unicodedata
from collections.abc import Callable
from typing import Any

from ledger.facts import CENT
from ledger.geography import load_geography


class Invalid(ValueError):
    """A field's value is not acceptable; the message says why."""


Check = Callable[[Any], Any]

# re.ASCII everywhere: `\d` would otherwise take any script's digits (fullwidth, Arabic-Indic),
# which int(), Decimal() and fromisoformat() then accept as if they were 0-9.
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z", re.ASCII)
_TIMESTAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})\Z", re.ASCII
)
_PERIOD = re.compile(r"(\d{4})-(\d{2})\Z", re.ASCII)
_AMOUNT = re.compile(r"\d{1,15}(\.\d{1,2})?\Z", re.ASCII)
# Dates, periods and recorded times a ledger of social programmes can mean (SPEC §2 is silent):
# anything outside is a typing mistake, and extreme years break date arithmetic downstream.
FIRST_YEAR, LAST_YEAR = 1900, 2100
MAX_NOTE = 500


def remembered(check: Check, size: int = 4096) -> Check:
    """`check`, remembering its results for values seen before.

    Dates, districts, programme codes, amounts and periods repeat on almost every line of a
    monthly file; their checks are pure, so a value is checked once. Only accepted values are
    kept (their results are immutable), and the memory is bounded.
    """
    seen: dict[tuple[type, Any], Any] = {}

    def check_once(value: Any) -> Any:
        key = (type(value), value)
        try:
            return seen[key]
        except (KeyError, TypeError):
            pass
        result = check(value)  # an unhashable value (a list, an object) is refused here
        if len(seen) >= size:
            seen.clear()
        seen[key] = result
        return result

    return check_once


def _string(value: Any) -> str:
    if not isinstance(value, str):
        raise Invalid(f"must be a string, not {json_type(value)}")
    return value


def pattern(regex: str, description: str) -> Check:
    compiled = re.compile(regex + r"\Z", re.ASCII)

    def check(value: Any) -> str:
        text = _string(value)
        if not compiled.match(text):
            raise Invalid(f"{text[:80]!r} is not {description}")
        return text

    return check


def text(max_length: int) -> Check:
    def check(value: Any) -> str:
        content = _string(value)
        if not content.strip():
            raise Invalid("must not be empty")
        if len(content) > max_length:
            raise Invalid(f"is {len(content)} characters long; at most {max_length}")
        return content

    return check


def choice(options: tuple[str, ...]) -> Check:
    accepted = frozenset(options)

    def check(value: Any) -> str:
        if value.__class__ is str and value in accepted:
            return value
        content = _string(value)
        if content not in options:
            raise Invalid(f"{content[:40]!r} is not one of {', '.join(options)}")
        return content

    return check


def _date(value: Any) -> dt.date:
    content = _string(value)
    if not _DATE.match(content):
        raise Invalid(f"{content[:40]!r} is not a date (YYYY-MM-DD)")
    try:
        day = dt.date.fromisoformat(content)
    except ValueError:
        raise Invalid(f"{content!r} is not a real date") from None
    _within_years(day.year, content)
    return day


def _within_years(year: int, content: str) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise Invalid(f"{content[:40]!r} is outside the years {FIRST_YEAR}–{LAST_YEAR}")


def timestamp(value: Any) -> dt.datetime:
    content = _string(value)
    if not _TIMESTAMP.match(content):
        raise Invalid(f"{content[:40]!r} is not an RFC 3339 timestamp with an offset")
    try:
        moment = dt.datetime.fromisoformat(content.replace("z", "Z"))
    except ValueError:
        raise Invalid(f"{content!r} is not a real time") from None
    _within_years(moment.year, content)
    return moment


def _district(value: Any) -> str:
    """A district code's shape. Whether the district exists on the fact's date is a rule over
    the timeline (SPEC §15: districts are established and retired; ledger/rules/)."""
    code = _string(value)
    if not _DISTRICT.match(code):
        raise Invalid(f"{code[:40]!r} is not a 4-digit district code")
    return code


_DISTRICT = re.compile(r"\d{4}\Z", re.ASCII)
MAX_DISTRICTS = 50  # districts one is carved from, or succeeded by


def _districts(value: Any) -> list[str]:
    """A list of distinct district codes (not remembered: a list is not hashable)."""
    if not isinstance(value, list):
        raise Invalid(f"must be a list of district codes, not {json_type(value)}")
    if not 1 <= len(value) <= MAX_DISTRICTS:
        raise Invalid(f"names {len(value)} districts; 1–{MAX_DISTRICTS}")
    codes = [_district(code) for code in value]
    if len(set(codes)) != len(codes):
        raise Invalid("names a district twice")
    return codes


def _province(value: Any) -> str:
    code = _string(value)
    if code not in load_geography().provinces:
        raise Invalid(f"{code[:40]!r} is not a province code of the ledger's geography")
    return code


def _amount(value: Any) -> decimal.Decimal:
    if isinstance(value, float) and value.is_integer() and abs(value) >= 2**63:
        # The JSON decoder turns an integer of 2^64 or more into a float.
        raise Invalid("is too large: an amount is below 10^15")
    if isinstance(value, bool) or not isinstance(value, int | str):
        hint = "; write it as a decimal string, e.g. \"1500.50\"" if isinstance(value, float) else ""
        raise Invalid(f"must be a decimal string or an integer, not {json_type(value)}{hint}")
    content = str(value)
    if content.startswith("-") or (isinstance(value, int) and value <= 0):
        raise Invalid(f"{content[:40]} must be greater than 0")
    if not _AMOUNT.match(content):
        raise Invalid(
            f"{content[:40]!r} is not an amount (digits, at most 2 decimals, below 10^15)"
        )
    result = decimal.Decimal(content)
    if result <= 0:
        raise Invalid(f"{content} must be greater than 0")
    return result.quantize(CENT)


def _period(value: Any) -> str:
    content = _string(value)
    match = _PERIOD.match(content)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise Invalid(f"{content[:40]!r} is not a month (YYYY-MM)")
    _within_years(int(match.group(1)), content)
    return content


date = remembered(_date)
district = remembered(_district)
amount = remembered(_amount)
period = remembered(_period)

def _event_id(value: Any) -> str:
    """An idempotency key: 1–128 visible characters that display as themselves (see below)."""
    content = _string(value)
    if not 1 <= len(content) <= 128:
        raise Invalid(f"is {len(content)} characters long; an id has 1–128")
    problem = id_problem(content)
    if problem:
        raise Invalid(f"{content[:80]!a} {problem}")
    return content


def id_problem(content: str) -> str | None:
    """Why an id could display as another id, or None.

    An id is in NFC, holds no control, format (zero-width, bidirectional), private, unassigned
    or separator character other than the plain space, and its letters come from one script
    (so a Cyrillic 'а' cannot stand in for a Latin 'a').
    """
    if content.isascii() and content.isprintable():
        return None  # printable ASCII: in NFC, visible, and its letters all Latin
    if unicodedata.normalize("NFC", content) != content:
        return "is not in Unicode NFC (normalise it first)"
    scripts: set[str] = set()
    for char in content:
        category = unicodedata.category(char)
        if category[0] == "C" or (category[0] == "Z" and char != " "):
            return f"holds the invisible or control character U+{ord(char):04X}"
        if category[0] == "L":
            scripts.add(unicodedata.name(char, "?").split(" ")[0])
    if len(scripts) > 1:
        return f"mixes letters of several scripts ({', '.join(sorted(scripts))})"
    return None


IDENTIFIER = pattern(r"[A-Za-z0-9._-]{1,64}", "an id of 1–64 letters, digits, '.', '_' or '-'")
EVENT_ID = _event_id
PROGRAMME = remembered(
    pattern(r"[a-z0-9][a-z0-9-]{0,39}", "a programme code ([a-z0-9][a-z0-9-]{0,39})")
)
CURRENCY = remembered(pattern(r"[A-Z]{3}", "a currency code (ISO 4217, e.g. LAK)"))
OPERATOR = remembered(text(128))
REASON = text(MAX_NOTE)


NOTE = text(MAX_NOTE)


district_list = _districts  # successors, or the districts one is carved from
province_code = _province


def json_type(value: Any) -> str:
    """How an error names a JSON value's type."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
