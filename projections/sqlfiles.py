"""The projections' SQL, read from the package's `sql/` folder (never from the working directory)."""

from __future__ import annotations

from functools import cache
from importlib import resources


@cache
def sql(name: str) -> str:
    """The text of `sql/<name>.sql`."""
    return (resources.files("projections") / "sql" / f"{name}.sql").read_text(encoding="utf-8")
