"""Reading event log files (.jsonl, .jsonl.gz) line by line, turning every defect into a FieldError."""

from __future__ import annotations

import gzip
import json
import re
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, cast

import orjson

from ledger.domain.errors import LedgerError
from ledger.facts import Fact, Origin
from ledger.interchange.schema import FieldError, parse, shown_name

MAX_LINE_BYTES = 1 << 20  # a v1 line is a few hundred bytes; anything near this is not an event
# Blank lines are skipped, but a run this long is no event log: a 1 MB gzip of 1 GiB of newlines
# otherwise held the write lock for minutes and then "recorded" nothing.
MAX_BLANK_RUN = 10_000
# A v1 line is a few hundred bytes. Past the first BYTES_FREE, a file may hold at most this many
# bytes per line on average: a small gzip of huge refused lines is not read to its end.
BYTES_FREE = 64 << 20
MAX_AVERAGE_LINE_BYTES = 16 << 10
_BOM = b"\xef\xbb\xbf"
_WHITESPACE = b" \t\r\n"
_SURROGATE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class FileUnreadable(LedgerError):
    """The file as a whole cannot be read (missing, not a file, wrong suffix)."""


def read_facts(path: Path) -> Iterator[Fact | list[FieldError]]:
    """Yield each line's Fact, or its errors; a broken stream ends with an error for its line."""
    source = str(path)
    if not path.is_file():
        raise FileUnreadable(f"{source}: no such file")
    if not (path.name.endswith(".jsonl") or path.name.endswith(".jsonl.gz")):
        raise FileUnreadable(f"{source}: expected a .jsonl or .jsonl.gz file")
    stream = _open(path)
    line_no = 0
    blank_run = 0
    events = 0
    read = 0
    with stream:
        try:
            readline = stream.readline
            while raw := readline(MAX_LINE_BYTES + 1):
                line_no += 1
                origin = Origin(source, line_no)
                read += len(raw)
                if read > BYTES_FREE and read > line_no * MAX_AVERAGE_LINE_BYTES:
                    yield [FieldError(origin, "file", f"holds {read:,} bytes in {line_no:,} "
                                      f"lines, more than {MAX_AVERAGE_LINE_BYTES:,} bytes per "
                                      "line on average: not an event log, and not read further")]
                    return
                if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                    read += _skip_rest_of_line(stream)
                    yield [FieldError(origin, "line", f"is longer than {MAX_LINE_BYTES} bytes")]
                    continue
                if line_no == 1 and raw.startswith(_BOM):
                    raw = raw[len(_BOM) :]
                raw = raw.rstrip(b"\r\n")
                if not raw or raw.isspace():
                    blank_run += 1
                    if blank_run > MAX_BLANK_RUN:
                        yield [FieldError(origin, "line", f"ends a run of more than "
                                          f"{MAX_BLANK_RUN:,} blank lines; the file is not read "
                                          "further")]
                        return
                    continue
                blank_run = 0
                events += 1
                yield decode_line(raw, origin)
        except (EOFError, gzip.BadGzipFile, zlib.error) as broken:
            broken_at = Origin(source, line_no + 1)
            yield [FieldError(broken_at, "file", f"the gzip stream is broken: {broken}")]
            return
    if events == 0:
        yield [FieldError(Origin(source, max(line_no, 1)), "file", "holds no event")]


def _open(path: Path) -> IO[bytes]:
    if path.name.endswith(".gz"):
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _skip_rest_of_line(stream: IO[bytes]) -> int:
    """Read past the rest of an oversized line without holding it; return the bytes skipped."""
    skipped = 0
    while True:
        rest = stream.readline(MAX_LINE_BYTES)
        skipped += len(rest)
        if not rest or rest.endswith(b"\n"):
            return skipped


def decode_line(raw: bytes, origin: Origin) -> Fact | list[FieldError]:
    """Decode one line's bytes as a JSON object and check it."""
    fast_error: str | None = None
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError as bad:
        fast_error = str(bad)  # the strict decoder below may say more precisely what is wrong
    else:
        # orjson keeps the last of duplicate keys; a line with fewer keys than `"…:` key ends
        # may have one, so only then is it decoded again, strictly.
        if not isinstance(obj, dict) or len(obj) >= _key_ends(raw):
            return parse(obj, origin)
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as bad:
        return [FieldError(origin, "line", f"is not valid UTF-8 (byte {bad.start})")]
    try:
        obj = json.loads(text, object_pairs_hook=_no_duplicate_keys)
    except _DuplicateKey as duplicate:
        return [FieldError(origin, shown_name(str(duplicate)), "is given more than once")]
    except RecursionError:
        return [FieldError(origin, "line", "is JSON nested too deeply")]
    except json.JSONDecodeError as bad:
        return [FieldError(origin, "line", f"is not valid JSON: {bad.msg} at column {bad.colno}")]
    except ValueError as bad:  # e.g. an integer of thousands of digits
        return [FieldError(origin, "line", f"is not valid JSON: {bad}"[:200])]
    if fast_error is not None and _SURROGATE.search(raw):
        # Python's decoder accepts a lone surrogate escape, which is no character at all; other
        # leniencies (NaN, 1e999) give values the field checks refuse with the field's name.
        return [FieldError(origin, "line", f"is not valid JSON: {fast_error}")]
    return parse(obj, origin)


def _key_ends(raw: bytes) -> int:
    """At least the number of keys written on the line: its `"…:` key ends, counted with the
    JSON whitespace taken out (so `"key" :` counts too; taking characters out can join a `":`
    inside a string, which only counts more, never fewer)."""
    return raw.translate(None, _WHITESPACE).count(b'":')


class _DuplicateKey(ValueError):
    pass


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result
