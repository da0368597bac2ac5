"""Where the files shipped with wdnopt are, in a checkout and in an installed wheel alike.

The networks and pump catalogue are the package ``wdnopt.data`` (the folder ``data/``), the
example scenarios the package ``wdnopt.scenarios`` (the folder ``scenarios/``). Both are found
through :mod:`importlib.resources`, never through a path relative to this file, so an installed
wdnopt runs from any directory. The two keep their checkout layout when installed, so a
scenario's relative path such as ``../../data/networks/tree_1747.inp`` resolves in both.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

DATA_PACKAGE = "wdnopt.data"
"""Package of the shipped networks (``networks/``) and pump catalogue (``pumps/``)."""

SCENARIOS_PACKAGE = "wdnopt.scenarios"
"""Package of the example scenarios (``routing/``, ``pumps/``, ``demo/``, ``paper/``)."""

_SKIP = shutil.ignore_patterns("__init__.py", "__pycache__", "*.pyc")


def _folder(package: str) -> Path:
    """The folder of ``package`` on disk (pip always installs a wheel unpacked)."""
    return Path(str(files(package)))


def data_folder() -> Path:
    """The folder of the shipped data (``networks/``, ``pumps/``)."""
    return _folder(DATA_PACKAGE)


def data_file(*parts: str) -> Path:
    """A shipped data file, e.g. ``data_file("pumps", "catalogue.csv")``."""
    return data_folder().joinpath(*parts)


def scenarios_folder() -> Path:
    """The folder of the example scenarios."""
    return _folder(SCENARIOS_PACKAGE)


def copy_examples(dest: str | Path) -> list[Path]:
    """Copy the example scenarios and the shipped data into ``dest`` as ``scenarios/`` and
    ``data/``, the layout of a checkout, so every example runs as the README writes it.

    Existing files of the same name are overwritten; other files in ``dest`` are left alone.
    Returns the two folders written.
    """
    dest = Path(dest)
    written = []
    for name, source in (("scenarios", scenarios_folder()), ("data", data_folder())):
        target = dest / name
        shutil.copytree(source, target, ignore=_SKIP, dirs_exist_ok=True)
        written.append(target)
    return written
