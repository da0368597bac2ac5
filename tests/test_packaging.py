"""The setuptools mapping ships every subpackage of models/ and solvers/."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAPPING = {"models": "wdnopt.models", "solvers": "wdnopt.solvers"}


def _declared() -> set[str]:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return set(data["tool"]["setuptools"]["packages"])


def _on_disk() -> set[str]:
    found = set()
    for folder, dotted in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([dotted, *rel.parts]))
    return found


def test_every_subpackage_is_listed_in_pyproject() -> None:
    missing = _on_disk() - _declared()
    assert not missing, f"add these to [tool.setuptools] packages: {sorted(missing)}"


def test_every_listed_package_exists_and_imports() -> None:
    for name in sorted(_declared()):
        module = importlib.import_module(name)
        assert module.__file__ is not None, name


def test_wdnopt_is_a_namespace() -> None:
    import wdnopt

    assert getattr(wdnopt, "__file__", None) is None
    assert not (ROOT / "wdnopt").exists()
