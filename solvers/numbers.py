"""Numbers on the command line: finite and within a documented range, or refused.

Shared by the commands of :mod:`wdnopt.solvers.cli` and ``wdnopt serve``
(:mod:`wdnopt.solvers.service.command`), which never import each other. Each function here is
an argparse ``type=``: a value out of range raises
:class:`argparse.ArgumentTypeError`, which argparse prints (naming the option) before exiting
with code 2, so a bad number never reaches any work.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable

MAX_TIME_LIMIT = 7 * 86_400.0
"""Largest time limit accepted (a week), s."""
MAX_PRESSURE_M = 1_000.0
"""Largest pressure accepted, m of water."""
MAX_HOUR = 8_760
"""Largest pattern hour accepted (a year of hours)."""


def bounded_float(
    low: float, high: float, *, open_low: bool = False, unit: str = ""
) -> Callable[[str], float]:
    """A ``type=`` for a finite number in ``[low, high]`` (``(low, high]`` with ``open_low``)."""
    span = f"{'(' if open_low else '['}{low:g}, {high:g}]"
    what = f"a finite number{' of ' + unit if unit else ''} in {span}"

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}, not {text!r}") from None
        above_low = value > low if open_low else value >= low
        if not (math.isfinite(value) and above_low and value <= high):
            raise argparse.ArgumentTypeError(f"{what}, not {text!r}")
        return value

    parse.__name__ = "number"
    return parse


def bounded_int(low: int, high: int, *, unit: str = "") -> Callable[[str], int]:
    """A ``type=`` for a whole number in ``[low, high]``."""
    what = f"a whole number{' of ' + unit if unit else ''} in [{low}, {high}]"

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{what}, not {text!r}") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{what}, not {text!r}")
        return value

    parse.__name__ = "whole number"
    return parse


time_limit = bounded_float(0, MAX_TIME_LIMIT, open_low=True, unit="seconds")
"""A time limit: a finite number of seconds in (0, a week]."""
hour = bounded_int(0, MAX_HOUR, unit="hours")
"""A pattern hour: a whole number in [0, 8760]."""
