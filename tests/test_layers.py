"""The layers import downwards only: ``wdnopt.models`` never imports ``wdnopt.solvers``, and the
command line (``solvers/cli/``) and the solve service (``solvers/service/``) never import each
other, at module level or inside a function.

Every module is read with :mod:`ast`, not imported: a lazy import inside a function counts as
much as one at the top. (The CLI's table of commands may name the service's ``serve`` module
as text: it is loaded by :mod:`importlib` only when that command runs.)
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"models": "wdnopt.models", "solvers": "wdnopt.solvers"}
"""Folder → the package it is installed as (``[tool.setuptools.package-dir]``)."""

RULES = [
    ("solvers/cli", "wdnopt.solvers.service", "the CLI imports the service"),
    ("solvers/service", "wdnopt.solvers.cli", "the service imports the CLI"),
    ("models", "wdnopt.solvers", "a model imports the solvers"),
]
"""(folder, package its modules must not import, what an import of it means)."""


def module_name(path: Path) -> str:
    """The dotted name of a module file of this repository."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    parts[0] = PACKAGES[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(source: str, module: str, *, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, module) of every import in ``source``, anywhere in it, relative ones resolved
    against ``module``; ``from A import B`` counts as importing ``A`` and ``A.B``."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found.append((node.lineno, base))
            found.extend((node.lineno, f"{base}.{alias.name}") for alias in node.names)
    return found


def within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def offenders(folder: str, forbidden: str) -> list[str]:
    """``file:line imports NAME`` for every import of ``forbidden`` under ``folder``."""
    files = sorted((ROOT / folder).rglob("*.py"))
    assert files, f"no module under {folder}/"
    found: dict[str, str] = {}  # file:line → the module imported there (once per statement)
    for path in files:
        name = module_name(path)
        source = path.read_text(encoding="utf-8")
        for line, target in imported(source, name, is_package=path.name == "__init__.py"):
            where = f"{path.relative_to(ROOT)}:{line}"
            if within(target, forbidden) and len(target) < len(found.get(where, target + ".")):
                found[where] = target
    return [f"{where} imports {target}" for where, target in sorted(found.items())]


@pytest.mark.parametrize(("folder", "forbidden", "meaning"), RULES, ids=[r[0] for r in RULES])
def test_no_import_across_the_layers(folder: str, forbidden: str, meaning: str) -> None:
    found = offenders(folder, forbidden)
    assert not found, (
        f"{meaning} ({folder}/ must not import {forbidden}); move what both need to a neutral "
        "module of wdnopt.solvers (io, numbers, ...):\n  " + "\n  ".join(found)
    )


def test_every_kind_of_import_is_seen() -> None:
    """The reader catches the imports the rules are about: plain, from, relative, in a
    function, and a package's module named in ``from PACKAGE import MODULE``."""
    source = """
import wdnopt.solvers.cli.main
from wdnopt.solvers import cli
from ..cli.console import report_console

def lazy():
    from wdnopt.solvers.cli.numbers import bounded_int
"""
    found = imported(source, "wdnopt.solvers.service.app")
    hits = {(line, name) for line, name in found if within(name, "wdnopt.solvers.cli")}
    assert hits == {
        (2, "wdnopt.solvers.cli.main"),
        (3, "wdnopt.solvers.cli"),
        (4, "wdnopt.solvers.cli.console"),
        (4, "wdnopt.solvers.cli.console.report_console"),
        (7, "wdnopt.solvers.cli.numbers"),
        (7, "wdnopt.solvers.cli.numbers.bounded_int"),
    }
    assert not within("wdnopt.solvers.client", "wdnopt.solvers.cli")
