"""Imports deferred to first use, so that a command pays only for the libraries it needs.

Importing wntr costs seconds (it imports scipy, networkx and matplotlib's pyplot), while the
routing commands never touch it. A module that needs wntr for some of its functions binds the
name with ``wntr = lazy_import("wntr")``: the name is there at once, and the library is
imported on the first attribute access (``wntr.network...``).

The stand-in is not put in ``sys.modules`` (tools that walk ``sys.modules``, such as
:func:`inspect.getmodule`, would import it by looking); ``import wntr`` elsewhere imports the
real module as usual.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from types import ModuleType
from typing import Any


class _Deferred(ModuleType):
    """Stands for a module until an attribute is asked for, then forwards to the real one."""

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            raise AttributeError(attr)
        value = getattr(importlib.import_module(self.__name__), attr)
        setattr(self, attr, value)  # the next access finds it without this method
        return value


def lazy_import(name: str) -> Any:
    """A stand-in for the module ``name`` that imports it on first attribute access.

    Raises :class:`ModuleNotFoundError` at once when the module is not installed, as
    ``import name`` would.
    """
    if importlib.util.find_spec(name) is None:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)
    return _Deferred(name)


def lazy_exports(
    package: str, exports: dict[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for a package whose names live in other modules.

    ``exports`` maps each name to its module (a leading ``.`` means a submodule of
    ``package``); a name is imported on first use and kept in ``namespace`` (the package's
    ``globals()``), so ``import package`` costs nothing."""

    def getattr_(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        path = f"{package}{module}" if module.startswith(".") else module
        value = getattr(importlib.import_module(path), name)
        namespace[name] = value
        return value

    def dir_() -> list[str]:
        return sorted({*namespace, *exports})

    return getattr_, dir_
