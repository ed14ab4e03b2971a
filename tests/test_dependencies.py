"""The packages' dependencies point one way: storage knows bytes only, and nothing imports in a
circle (module-level imports; those only for type checking, and those inside functions, which
are deferred on purpose, do not count)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ledger", "projections")


def module_names() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


MODULES = module_names()


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Statements run when the module is imported (not those behind `if TYPE_CHECKING:`)."""
    for statement in body:
        if isinstance(statement, ast.If):
            if "TYPE_CHECKING" not in ast.unparse(statement.test):
                yield from _statements(statement.body)
            yield from _statements(statement.orelse)
        elif isinstance(statement, ast.Try):
            for block in (statement.body, statement.orelse, statement.finalbody,
                          *(handler.body for handler in statement.handlers)):
                yield from _statements(block)
        else:
            yield statement


def imports(module: str) -> set[str]:
    """The project's modules `module` imports when it is imported."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    named: set[str] = set()
    for statement in _statements(tree.body):
        if isinstance(statement, ast.Import):
            named.update(alias.name for alias in statement.names)
        elif isinstance(statement, ast.ImportFrom) and statement.module and not statement.level:
            for alias in statement.names:
                inner = f"{statement.module}.{alias.name}"
                named.add(inner if inner in MODULES else statement.module)
    return {name for name in named if name in MODULES and name != module}


GRAPH = {module: imports(module) for module in MODULES}


def test_storage_imports_neither_audit_nor_domain_nor_the_codec() -> None:
    storage = {m: deps for m, deps in GRAPH.items() if m.startswith("ledger.storage")}
    assert storage, "ledger.storage has modules"
    crossing = {m: sorted(d for d in deps if not d.startswith("ledger.storage"))
                for m, deps in storage.items()}
    assert {m: d for m, d in crossing.items() if d} == {}


def test_the_domain_imports_no_storage_codec_or_application() -> None:
    outside = ("ledger.storage", "ledger.codec", "ledger.audit", "ledger.application",
               "ledger.batch", "ledger.bootstrap", "projections")
    domain = {m: sorted(d for d in deps if d.startswith(outside))
              for m, deps in GRAPH.items() if m.startswith("ledger.domain")}
    assert {m: d for m, d in domain.items() if d} == {}


@pytest.mark.parametrize("package", PACKAGES)
def test_no_module_imports_itself_through_others(package: str) -> None:
    done: set[str] = set()

    def visit(module: str, path: list[str]) -> None:
        if module in path:
            cycle = [*path[path.index(module):], module]
            pytest.fail("import cycle: " + " → ".join(cycle))
        if module in done:
            return
        for imported in sorted(GRAPH[module]):
            visit(imported, [*path, module])
        done.add(module)

    for module in sorted(m for m in GRAPH if m.split(".")[0] == package):
        visit(module, [])
