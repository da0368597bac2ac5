"""The ``wdnopt`` command: argument parsing, logging set-up and error reporting.

Each sub-command lives in its own module of this package with a ``register(subparsers)``
function. Bad input (:class:`~wdnopt.models.errors.InputError`) is printed as one clear message
and ends the program with exit code 2, never with a traceback.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from rich.console import Console
from rich.markup import escape

from wdnopt.models.errors import InputError
from wdnopt.solvers.cli import compare, pressure, resilience, serve, solve

COMMANDS = [solve, pressure, compare, resilience, serve]
"""Modules with a ``register(subparsers)`` function, one per sub-command."""

EXIT_INPUT = 2
"""Exit code for input that cannot be used (and for infeasible problems)."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wdnopt",
        description=(
            "Optimisation toolkit for water networks: route water from sources through "
            "treatment plants to zones at least cost, and place booster pumps on any EPANET "
            "network (looped or tree) so that every plan holds on the network as given, "
            "exactly on trees (MILP, tree DP) or with the paper's heuristics."
        ),
        epilog="Run 'wdnopt COMMAND --help' for the options of a command.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.verbose == 0:
        # EPANET warns of negative pressures at high demand factors: that is the very deficiency
        # the pump placement measures, reported in the tables; show it with -v only.
        logging.getLogger("wntr").setLevel(logging.ERROR)
    err = Console(stderr=True, highlight=False)
    try:
        code = args.func(args)
    except InputError as exc:
        for problem in exc.problems:
            err.print(f"[bold red]error:[/] {escape(str(problem))}", soft_wrap=True)
        return EXIT_INPUT
    except KeyboardInterrupt:
        err.print("interrupted")
        return 130
    return int(code or 0)


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":  # pragma: no cover
    run()
