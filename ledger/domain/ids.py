"""Stable aggregate ids: one programme per code, one enrolment per programme and beneficiary."""

from __future__ import annotations

from functools import lru_cache
from uuid import UUID, uuid5

_NAMESPACE = UUID("6f1d3c1e-7b1a-4f44-9a57-2f1c0f8d5e21")


@lru_cache(maxsize=4096)
def programme_id(programme: str) -> UUID:
    return uuid5(_NAMESPACE, f"programme:{programme}")


@lru_cache(maxsize=1 << 16)  # a window's worth: ids are looked up again within a window
def enrolment_id(programme: str, beneficiary: str) -> UUID:
    return uuid5(_NAMESPACE, f"enrolment:{programme}:{beneficiary}")
