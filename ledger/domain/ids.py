"""Stable aggregate ids: one programme per code, one enrolment per programme and beneficiary,
one district per code."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from uuid import UUID, SafeUUID, uuid5

_NAMESPACE = UUID("6f1d3c1e-7b1a-4f44-9a57-2f1c0f8d5e21")


@lru_cache(maxsize=4096)
def programme_id(programme: str) -> UUID:
    return uuid5(_NAMESPACE, f"programme:{programme}")


@lru_cache(maxsize=4096)
def district_id(district: str) -> UUID:
    """One timeline per district code (SPEC §15: codes are never reused)."""
    return uuid5(_NAMESPACE, f"district:{district}")


@lru_cache(maxsize=1 << 16)  # a window's worth: ids are looked up again within a window
def enrolment_id(programme: str, beneficiary: str) -> UUID:
    return _uuid5(f"enrolment:{programme}:{beneficiary}")


_PREFIX = _NAMESPACE.bytes
_VERSION_5 = (0x8000 << 48) | (5 << 76)  # RFC 4122 variant, version 5
_KEEP = ~((0xC000 << 48) | (0xF000 << 64))


def _uuid5(name: str) -> UUID:
    """`uuid.uuid5(_NAMESPACE, name)`, without `UUID.__init__`'s argument checks (a national
    import makes one for every new beneficiary)."""
    digest = hashlib.sha1(_PREFIX + name.encode("utf-8"), usedforsecurity=False).digest()
    made = object.__new__(UUID)
    object.__setattr__(made, "int", (int.from_bytes(digest[:16], "big") & _KEEP) | _VERSION_5)
    object.__setattr__(made, "is_safe", SafeUUID.unknown)
    return made
