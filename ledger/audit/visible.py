"""Text the ledger did not write, made safe to show: control and format characters made visible.

A note, an operator or an id is the input's text. Printed raw, a carriage return, a line feed, an
ANSI or OSC escape sequence or a right-to-left override can draw fake rows or reorder a line on an
auditor's terminal. Every such character is shown as an escape instead (`\\x1b`, `\\u202e`), so the
auditor sees that something was there and what it was.
"""

from __future__ import annotations

import re
import unicodedata

# C0 (tab, CR and LF included), DEL, C1; and the line and paragraph separators.
_CONTROL = "\x00-\x1f\x7f-\x9f\u2028\u2029"
_FORMAT = "".join(  # every format character (Cf): bidi marks and overrides, zero-width ones, BOM
    chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"
)
_HIDDEN = re.compile("[" + _CONTROL + re.escape(_FORMAT) + "]")
# In a JSON document the encoder has escaped C0 inside strings; outside them it is layout.
_JSON_HIDDEN = re.compile("[\x7f-\x9f\u2028\u2029" + re.escape(_FORMAT) + "]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 \
        else f"\\U{code:08x}"


def visible(text: str) -> str:
    """`text` with every control and format character written as its escape."""
    return _HIDDEN.sub(_escaped, text)


def _json_escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP, JSON writes a surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def json_visible(document: str) -> str:
    """A JSON document (C0 already escaped by its encoder) with every other control and format
    character written as a `\\u` escape:
    the same values once decoded (lossless), nothing hidden when printed."""
    return _JSON_HIDDEN.sub(_json_escaped, document)
