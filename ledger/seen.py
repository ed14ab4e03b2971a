"""Which ids a batch has recorded so far, in a few bits each.

A national file records millions of ids; keeping each in a set would cost more memory than the
rest of the batch. A Bloom filter answers "certainly not" or "perhaps": a "perhaps" is settled
exactly against the store (the batch's own transaction), and it is rare — about one in a
thousand lookups at five million ids, and only for ids that are found recorded at all.
"""

from __future__ import annotations

_BITS = 1 << 27  # 16 MiB: under 0.2 % false "perhaps" at 5 million ids
_MASK = _BITS - 1
_WORD = (1 << 64) - 1


class SeenIds:
    """A Bloom filter of strings (three probes each), never a false "certainly not"."""

    def __init__(self) -> None:
        self.bits = bytearray(_BITS >> 3)

    def add(self, event_id: str) -> None:
        bits = self.bits
        h = hash(event_id) & _WORD  # the same three probes as _probes, unrolled: once per event
        a, b, c = h & _MASK, (h >> 27) & _MASK, ((h >> 54) | (h << 10)) & _MASK
        bits[a >> 3] |= 1 << (a & 7)
        bits[b >> 3] |= 1 << (b & 7)
        bits[c >> 3] |= 1 << (c & 7)

    def __contains__(self, event_id: str) -> bool:
        bits = self.bits
        return all(bits[probe >> 3] & (1 << (probe & 7)) for probe in _probes(event_id))


def _probes(event_id: str) -> tuple[int, int, int]:
    h = hash(event_id) & _WORD  # a string's hash is computed once and kept by the string
    return h & _MASK, (h >> 27) & _MASK, ((h >> 54) | (h << 10)) & _MASK
