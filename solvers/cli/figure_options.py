"""``--format`` and ``--dpi``: how every command that writes figures writes them.

A figure file's format is ``--format`` when given, else the suffix of the file named
(``--plot day.svg`` writes SVG), else PNG. A ``--plot`` file whose suffix names another format
than ``--format`` is refused before any work (exit 2).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.solvers.io import DEFAULT_DPI, FIGURE_FORMATS, figure_format
from wdnopt.solvers.numbers import bounded_int

MAX_DPI = 1_200
"""Largest resolution accepted, dots per inch."""


def add_figure_options(parser: Any, *, plot: bool = True) -> None:
    """Add ``--format`` and ``--dpi`` to a command's parser (``plot``: the command has a
    ``--plot FILE`` option, whose suffix gives the default format)."""
    default = "the suffix of the --plot file, else png" if plot else "png"
    parser.add_argument(
        "--format",
        choices=FIGURE_FORMATS,
        default=None,
        help=f"format of the figures written: png, svg or pdf (default: {default})",
    )
    parser.add_argument(
        "--dpi",
        type=bounded_int(10, MAX_DPI, unit="dots per inch"),
        default=None,
        help=f"resolution of PNG figures, dots per inch (default {DEFAULT_DPI})",
    )


def refuse_unused_figure_options(
    args: argparse.Namespace, *, draws: bool, why: str, file: str | Path | None = None
) -> None:
    """``--format`` or ``--dpi`` given where no figure is written: exit 2 naming the option."""
    if draws:
        return
    for option in ("--format", "--dpi"):
        if getattr(args, option.lstrip("-"), None) is not None:
            raise InputError.single(
                f"a figure to write ({why})", field=option, got="no figure is written", file=file
            )


def plot_format(args: argparse.Namespace, plot: Path | None) -> str:
    """The format of the figure file ``plot`` (or of the figures of ``--out`` when None)."""
    chosen = getattr(args, "format", None)
    if plot is None:
        return chosen or "png"
    suffix = plot.suffix.lower().lstrip(".")
    if chosen is not None and suffix in FIGURE_FORMATS and suffix != chosen:
        raise InputError.single(
            f"a file ending in .{chosen} (--format {chosen}), or no --format",
            field="--plot",
            got=str(plot),
        )
    return figure_format(plot, chosen)
