"""What a store reports when the machine, not the input, stops a command."""

from __future__ import annotations

import errno

_FULL = ("database or disk is full", "no space left on device", "disk quota exceeded")


class StoreProblem(Exception):
    """The store cannot do what was asked (full disk, read-only copy, a second name); the
    message says what to do, and that nothing was changed."""


class StoreReadOnly(StoreProblem):
    """The store was opened from read-only media or without write permission."""


class StoredEventError(ValueError):
    """A stored event that cannot be read (its state is not UTF-8 JSON): tampering, or a store
    written by something else. Named by position, never skipped."""


def is_disk_full(error: BaseException) -> bool:
    """Whether an error from SQLite, DuckDB, Arrow or the OS means the disk (or quota) is full."""
    if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return any(words in str(error).lower() for words in _FULL)


def disk_full(where: str) -> StoreProblem:
    return StoreProblem(
        f"disk full while writing {where}; nothing was recorded and the store is intact — "
        "free some space and run the command again"
    )


class AccessRefused(StoreProblem):
    """The database refused this login what it asked (its ledger role or scope, SPEC §12);
    nothing was recorded."""
