"""The application tests run the ledger against real stores (the `ledger` fixture of tests/conftest.py)."""

from __future__ import annotations

import sys
from pathlib import Path

# The project root goes first on the path: tests/replay_data (a folder without __init__) would
# otherwise be imported as a namespace package in place of the real `replay_data`, which ships
# the geography every district check reads.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)
