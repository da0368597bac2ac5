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
