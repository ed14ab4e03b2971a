"""The JSON of stored states: the library's transcoder and transcodings, faster through orjson.

The library's `JSONTranscoder` writes a value it cannot put in JSON as `{"_type_": name,
"_data_": text}` through a registered transcoding. The ledger registers the library's own
(UUIDs, decimals, datetimes) and one of its own, for dates; `FastJSONTranscoder` writes and
reads exactly the same bytes with orjson.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import orjson
from eventsourcing.persistence import (
    DatetimeAsISO,
    DecimalAsStr,
    JSONTranscoder,
    Transcoding,
    UUIDAsHex,
)

_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME  # dates and times go through the registered transcodings


class DateAsISO(Transcoding):
    """A calendar date, as `{"_type_": "date_iso", "_data_": "2025-03-04"}`."""

    type = dt.date
    name = "date_iso"

    def encode(self, obj: dt.date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> dt.date:
        return dt.date.fromisoformat(data)


class FastJSONTranscoder(JSONTranscoder):
    """orjson instead of the json module; stored bytes stay compatible both ways."""

    def encode(self, obj: Any) -> bytes:
        return orjson.dumps(obj, default=self._encode_obj, option=_OPTIONS)

    def decode(self, data: bytes) -> Any:
        return self._revive(orjson.loads(data))

    def _revive(self, value: Any) -> Any:
        if isinstance(value, dict):
            if len(value) == 2 and "_type_" in value and "_data_" in value:
                return self._decode_obj(value)
            return {key: self._revive(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self._revive(item) for item in value]
        return value


def transcoder() -> FastJSONTranscoder:
    """The ledger's transcoder: the library's transcodings (as an Application registers them)
    and dates."""
    made = FastJSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), DateAsISO()):
        made.register(transcoding)
    return made
