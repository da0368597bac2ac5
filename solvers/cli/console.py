"""The consoles the commands print their reports and progress on.

On a terminal rich fits tables to its width. Piped or redirected (``wdnopt ... | less``, a log
file, CI), rich would assume 80 columns and cut tables (``approx-pu…``) or wrap long lines;
there the console is :data:`PIPED_WIDTH` columns wide instead, so every table and line comes
out whole (unless ``COLUMNS`` says otherwise).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

PIPED_WIDTH = 1_000
"""Columns of a console that is not a terminal: wider than any table of a report."""


def report_console(*, stderr: bool = False) -> Console:
    """A console on standard output (or standard error), without rich's highlighting of
    numbers, as wide as a terminal, or :data:`PIPED_WIDTH` when it is not one."""
    from rich.console import Console  # lazy: --help and --version print without rich

    console = Console(stderr=stderr, highlight=False)
    if not console.is_terminal and "COLUMNS" not in os.environ:
        console.width = PIPED_WIDTH
    return console
