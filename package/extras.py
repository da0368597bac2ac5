"""The optional parts of wdnopt and what they need: ``pip install 'wdnopt[EXTRA]'``.

The base install solves scenarios, places pumps and runs sweeps in this process. The solve
service (``wdnopt serve``) needs the ``service`` extra; sweeps on worker processes or a Dask
cluster (``--workers N``, ``--scheduler``, ``--dashboard``) need the ``dask`` extra. The
Parquet copies of the result tables (``results.parquet`` beside ``results.csv``) are written
when pyarrow is installed (the ``parquet`` extra, part of ``dask``). :func:`require` says what
to install in one line, before any work starts.
"""

from __future__ import annotations

import importlib.util

from wdnopt.models.errors import InputError

EXTRAS: dict[str, tuple[str, ...]] = {
    "service": ("fastapi", "uvicorn", "distributed"),
    "dask": ("distributed",),
    "parquet": ("pyarrow",),
}
"""Extra → the modules it installs that wdnopt imports (checked by :func:`missing`)."""


def missing(extra: str) -> list[str]:
    """The modules of ``extra`` that are not installed (looked up, not imported)."""
    return [name for name in EXTRAS[extra] if importlib.util.find_spec(name) is None]


def installed(extra: str) -> bool:
    """Whether every module of ``extra`` is installed."""
    return not missing(extra)


def install_command(extra: str) -> str:
    return f"pip install 'wdnopt[{extra}]'"


def require(extra: str, what: str) -> None:
    """Raise :class:`InputError` (one line; exit code 2 on the command line) naming the
    ``pip install`` to run when a module of ``extra`` is not installed."""
    gone = missing(extra)
    if gone:
        raise InputError.single(
            f"{what} needs the {extra} extra ({', '.join(gone)} not installed): "
            f"run {install_command(extra)}"
        )
