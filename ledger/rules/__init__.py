"""SPEC §3's and §15's rules, each stated once, as a query over the timeline of a file (see timeline.sql).

Each rule is one SQL file named after it, its header the rule's text in SPEC §3. A rule selects
its violations: the event that breaks it (`seq`), the rule's number, the field to report, the
reason, the event it contradicts (if any), a `precedence` (the order in which a reader would
check one line: the first violation found is the one reported) and another timeline involved.
`blame.sql` turns violations into refusals of the file's lines. ledger/recording/rulebook.py runs
them; tests/reference/ holds an independent per-event model they are checked against.
"""

from __future__ import annotations

from functools import cache
from importlib.resources import files

RULES = (
    "ids",
    "rule_1_registered",
    "rule_2_coverage",
    "rule_3_enrolment",
    "rule_4_transfer_and_exit",
    "rule_5_presence",
    "rule_6_payment",
    "rule_7_reversal",
    "rule_8_retraction",
    "rule_9_dates",
    "rule_geography_codes",
    "rule_geography_exists",
    "rule_geography_retirement",
)
"""Every rule, in SPEC §3's order (and the file's own: ids unique, SPEC §2), then SPEC §15's
(numbered on: 10 codes never reused, 11 a fact's district exists, 12 retirement)."""


@cache
def sql(name: str) -> str:
    """The text of one query of the rulebook (`timeline`, `blame` or a rule)."""
    return files(__package__).joinpath(f"{name}.sql").read_text(encoding="utf-8")
