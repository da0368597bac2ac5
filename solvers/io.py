"""Writing results without ever leaving a half-written file behind.

Every file is written to a temporary file in the same folder and moved into place with
:func:`os.replace`, which is atomic on one file system: a reader sees the old file or the new
one, never a mix, even when the writer is stopped mid-way.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import math
import os
import sys
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from wdnopt.models.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

_UMASK = os.umask(0o022)
os.umask(_UMASK)
_FILE_MODE = 0o666 & ~_UMASK
"""Mode of a written file: what ``open()`` would give (``mkstemp`` alone makes it 0600)."""


STDOUT = "-"
"""A file name meaning standard output (``--csv -``, ``--plot -``)."""

_STDOUT: ContextVar[TextIO | None] = ContextVar("wdnopt_stdout", default=None)
"""Where ``-`` writes go inside :func:`stdout_for_files` (else ``sys.stdout``)."""


@contextlib.contextmanager
def stdout_for_files() -> Iterator[None]:
    """Inside: a file written to ``-`` goes to standard output, and anything printed goes to
    standard error, so that ``wdnopt ... --csv - > curve.csv`` gets the file alone."""
    token = _STDOUT.set(sys.stdout)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        _STDOUT.reset(token)


def is_stdout(path: str | Path | None) -> bool:
    """Whether ``path`` is ``-`` (standard output)."""
    return path is not None and str(path) == STDOUT


def _write_stdout(data: str | bytes) -> Path:
    stream = _STDOUT.get() or sys.stdout
    if isinstance(data, bytes):
        stream.flush()
        stream.buffer.write(data)
        stream.buffer.flush()
    else:
        stream.write(data)
        stream.flush()
    return Path(STDOUT)


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (creating the folder if needed); ``-`` writes to
    standard output."""
    if is_stdout(path):
        return _write_stdout(data)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = "wb" if isinstance(data, bytes) else "w"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.chmod(tmp, _FILE_MODE)
        with os.fdopen(fd, mode, **({} if mode == "wb" else {"encoding": "utf-8"})) as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_csv_atomic(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write a DataFrame as CSV (no index) atomically."""
    return write_atomic(path, frame.to_csv(index=False))


def write_json_atomic(obj: Any, path: str | Path) -> Path:
    """Write ``obj`` as JSON atomically; NaN and infinities become null (:func:`json_ready`)."""
    return write_atomic(path, json.dumps(json_ready(obj), indent=2, default=_json_default) + "\n")


def _json_default(obj: Any) -> Any:
    if hasattr(obj, "item"):
        return obj.item()
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


FIGURE_FORMATS = ("png", "svg", "pdf")
"""Formats a figure can be written in (``--format``)."""

DEFAULT_DPI = 150
"""Resolution of raster figures (PNG), dots per inch (``--dpi``)."""


def figure_bytes(fig: Any, fmt: str = "png", dpi: int = DEFAULT_DPI) -> bytes:
    """The bytes of a :class:`matplotlib.figure.Figure` in ``fmt`` (PNG, SVG or PDF).

    The figure is rendered by its own canvas for that format: matplotlib's global backend and
    pyplot's list of open figures are left untouched.
    """

    if fmt not in FIGURE_FORMATS:
        raise ValueError(f"figure format {fmt!r}: one of {FIGURE_FORMATS}")
    buffer = io.BytesIO()
    metadata = {"png": None, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[fmt]
    fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def figure_format(path: str | Path, fmt: str | None = None) -> str:
    """The format a figure file is written in: ``fmt`` if given, else the file's suffix
    (``.png``, ``.svg``, ``.pdf``), else PNG."""
    if fmt is not None:
        return fmt
    suffix = Path(path).suffix.lower().lstrip(".")
    return suffix if suffix in FIGURE_FORMATS else "png"


def write_figure(
    fig: Any, path: str | Path, *, fmt: str | None = None, dpi: int = DEFAULT_DPI
) -> Path:
    """Write a figure to ``path`` atomically, in ``fmt`` (default: from the file's suffix)."""
    return write_atomic(path, figure_bytes(fig, figure_format(path, fmt), dpi))


MIME_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
"""Media type of each figure format."""


def data_uri(data: bytes, fmt: str) -> str:
    """A ``data:`` URI holding ``data`` (base64), so an HTML page needs no file beside it."""

    return f"data:{MIME_TYPES[fmt]};base64,{base64.b64encode(data).decode('ascii')}"


JSON_FORMAT = 1
"""Version of the ``--json`` envelope (:func:`json_envelope`)."""


def json_envelope(command: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What every ``--json`` prints: one object whose first keys are the same for every
    command, ``format`` (this envelope's version), ``command`` and ``wdnopt`` (the installed
    version), followed by the command's own keys (documented in the README)."""

    try:
        installed = version("wdnopt")
    except PackageNotFoundError:
        installed = "unknown"
    return {"format": JSON_FORMAT, "command": command, "wdnopt": installed, **payload}


def print_json(command: str, payload: dict[str, Any]) -> None:
    """Write the ``--json`` envelope of ``payload`` to standard output, one line."""

    sys.stdout.write(to_json(json_envelope(command, payload)) + "\n")


def to_json(obj: Any) -> str:
    """One JSON document, NaN and infinities written as null (JSON has no such numbers)."""
    return json.dumps(json_ready(obj), default=_json_default, allow_nan=False)


JSON_DIGITS = 10
"""Significant digits of a float written as JSON. The solvers resolve far less (HiGHS's
feasibility and optimality tolerances are 1e-7, EPANET's heads a few µm), so this keeps every
digit they resolve and drops the noise of binary arithmetic (``5.0000000060000005`` is written
``5.000000006``, ``0.30000000000000004`` is ``0.3``)."""


def json_float(value: float) -> float | None:
    """A float as JSON writes it: rounded to :data:`JSON_DIGITS` significant digits; NaN and
    infinities as None (JSON has no such numbers)."""
    if not math.isfinite(value):
        return None
    return float(f"{value:.{JSON_DIGITS}g}")


def json_ready(obj: Any) -> Any:
    """``obj`` as JSON can hold it: floats by :func:`json_float` (rounded, NaN and infinities
    as None), numpy scalars as Python numbers, tuples as lists, keys as strings."""
    if isinstance(obj, float):
        return json_float(obj)
    if isinstance(obj, dict):
        return {str(k): json_ready(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_ready(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        return json_ready(obj.item())
    return obj


def check_output_path(path: str | Path, *, option: str, folder: bool = False) -> Path:
    """``path`` as a Path if a command can write there, else :class:`InputError` (exit 2).

    Checked before any work, so that a long solve never ends in a write that fails. A file
    (``folder=False``, e.g. ``--csv``, ``--plot``) must not be a folder and must go in an
    existing folder you can write to, or be ``-`` (standard output). A folder
    (``folder=True``, e.g. ``--out DIR``) is made when written to: it must be a folder if it
    exists, and the nearest existing folder above it must be writable. ``option`` is the
    command-line option the message names.
    """
    path = Path(path)
    if is_stdout(path):
        if folder:
            raise InputError.single(
                "a folder (standard output cannot hold files)", field=option, got="-"
            )
        return path
    if not folder:
        parent = path.parent
        if path.is_dir():
            raise InputError.single("a file to write to, not a folder", field=option, got=str(path))
        if not parent.is_dir():
            raise InputError.single(
                "a file in an existing folder", field=option, got=f"{path}: no folder {parent}"
            )
        if not os.access(parent, os.W_OK | os.X_OK):
            raise InputError.single(
                "a file in a folder you can write to",
                field=option,
                got=f"{path}: {parent} is not writable",
            )
        return path
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if existing.exists() and not existing.is_dir():
        got = f"{path}: a file" if existing == path else f"{path}: {existing} is a file"
        raise InputError.single("a folder to write to", field=option, got=got)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise InputError.single(
            "a folder you can write to", field=option, got=f"{path}: {existing} is not writable"
        )
    return path
