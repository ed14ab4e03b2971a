"""Starting the disk writes of a growing file early, so that the commit's fsync finds little left.

A national import is one transaction: SQLite appends gigabytes to the write-ahead log and syncs it
only at the commit, which then waits for all of it to reach the disk at once. Linux's
`sync_file_range(SYNC_FILE_RANGE_WRITE)` starts writing the dirty pages back without waiting and
without dropping them from the cache; called after each window's append (on the background
writer), it spreads those writes over the import. Durability is unchanged: the commit still syncs.
Where the call does not exist (not Linux), nothing is done.
"""

from __future__ import annotations

import ctypes
import os
from pathlib import Path
from typing import Any

_SYNC_FILE_RANGE_WRITE = 2

_sync_file_range: Any
try:
    _sync_file_range = ctypes.CDLL(None, use_errno=True).sync_file_range
    _sync_file_range.argtypes = (ctypes.c_int, ctypes.c_int64, ctypes.c_int64, ctypes.c_uint)
except (AttributeError, OSError):  # pragma: no cover - not Linux
    _sync_file_range = None


class Writeback:
    """Pushes a file's new pages towards the disk on request (the file may not exist yet)."""

    def __init__(self, path: Path):
        self.path = path
        self.fd: int | None = None

    def start(self) -> None:
        """Start writing back what has been written to the file so far (does not wait)."""
        if _sync_file_range is None:
            return
        if self.fd is None:
            try:
                self.fd = os.open(self.path, os.O_RDONLY)
            except OSError:
                return
        _sync_file_range(self.fd, 0, 0, _SYNC_FILE_RANGE_WRITE)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
