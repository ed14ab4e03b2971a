"""The command group itself: every command is found, and operators' commands start light."""

from __future__ import annotations

import importlib
import subprocess
import sys

from cli.main import COMMAND_MODULES, cli


def test_every_command_a_module_defines_is_mapped_to_that_module() -> None:
    for module in set(COMMAND_MODULES.values()):
        importlib.import_module(module)

    assert set(cli.commands) == set(COMMAND_MODULES)


def test_recording_a_fact_does_not_load_the_read_side() -> None:
    # (The write side checks its rules in DuckDB over Arrow columns: those it may load.)
    script = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from cli.main import cli\n"
        "result = CliRunner().invoke(cli, ['enrol', '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "print(sorted(m for m in ('projections', 'psycopg') "
        "if m in sys.modules))\n"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            check=True).stdout.strip()

    assert loaded == "[]"
