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
from wdnopt.solvers.cli import compare, examples, pressure, resilience, serve, solve
from wdnopt.solvers.io import stdout_for_files

COMMANDS = [solve, pressure, compare, resilience, serve, examples]
"""Modules with a ``register(subparsers)`` function, one per sub-command."""

EXIT_INPUT = 2
"""Exit code for input that cannot be used (and for infeasible problems)."""


def version() -> str:
    """The installed wdnopt's version (from its metadata)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("wdnopt")
    except PackageNotFoundError:  # pragma: no cover - run from a folder without installing
        return "unknown"


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
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-v info, -vv debug)"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module in COMMANDS:
        module.register(sub)
    for command in sub.choices.values():  # -v after the command too: wdnopt solve X -v
        command.add_argument(
            "-v",
            "--verbose",
            dest="verbose_after",
            action="count",
            default=0,
            help="log more (-v info, -vv debug)",
        )
    return parser


STDOUT_OPTIONS = ("--plot", "--csv")
"""File options that take ``-`` for standard output."""


def stdout_claims(args: argparse.Namespace) -> list[str]:
    """The options that write to standard output: a file option given as ``-``, ``--json``."""
    claims = [
        option
        for option in STDOUT_OPTIONS
        if str(getattr(args, option.lstrip("-"), None) or "") == "-"
    ]
    if getattr(args, "json", False):
        claims.append("--json")
    return claims


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    args.verbose += getattr(args, "verbose_after", 0)
    level = [logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)]
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    if args.verbose == 0:
        # EPANET warns of negative pressures at high demand factors: that is the very deficiency
        # the pump placement measures, reported in the tables; show it with -v only.
        logging.getLogger("wntr").setLevel(logging.ERROR)
    err = Console(stderr=True, highlight=False)
    try:
        claims = stdout_claims(args)
        if len(claims) > 1:
            raise InputError.single(
                "one option at most writing to standard output ('-' or --json)",
                field=claims[1],
                got=" and ".join(claims),
            )
        if claims and claims[0] != "--json":  # a file on stdout: the report goes to stderr
            with stdout_for_files():
                code = args.func(args)
        else:
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
