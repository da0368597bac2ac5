"""The ``wdnopt`` command: argument parsing, logging set-up and error reporting.

Each sub-command lives in its own module with a ``register(subparsers)`` function: a module of
this package, or one named by its full path where the command belongs to another package
(``wdnopt serve``, :mod:`wdnopt.solvers.service.command`: this package never imports the
service, nor the service this package). That module is imported only when its command is run
(or asked for its ``--help``):
``wdnopt --help`` and ``--version`` import none of them, nor the solvers behind them, and list
every command with the one-line help of :data:`COMMANDS`. Bad input
(:class:`~wdnopt.models.errors.InputError`) is printed as one clear message and ends the
program with exit code 2, never with a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.solvers.io import stdout_for_files

COMMANDS: dict[str, tuple[str, str]] = {
    "solve": ("solve", "solve one scenario file and print the report"),
    "pressure-curve": (
        "pressure",
        "share of demand junctions below P_min as demand grows (the paper's Fig. 1)",
    ),
    "compare": (
        "compare",
        "run a sweep (pump placement algorithms, or routing what-ifs) and write tables, "
        "figures and a report",
    ),
    "resilience": (
        "resilience",
        "N-1: cost and unmet demand with each source, plant or arc out of service",
    ),
    "serve": (
        "wdnopt.solvers.service.command",
        "run the solve service: POST scenarios over HTTP, read the reports",
    ),
    "examples": ("examples", "copy the example scenarios and shipped data into a folder"),
}
"""Command → (its module, with a ``register(subparsers)`` function: a name alone is a module of
this package, a dotted name a full module path; the one-line help ``wdnopt --help`` shows for
it)."""

EXIT_INPUT = 2
"""Exit code for input that cannot be used (and for infeasible problems)."""

VERBOSE_HELP = "log more (-v info, -vv debug)"


def version() -> str:
    """The installed wdnopt's version (from its metadata)."""
    # lazy: only --version reads the package metadata (start-up)
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as dist_version

    try:
        return dist_version("wdnopt")
    except PackageNotFoundError:  # pragma: no cover - run from a folder without installing
        return "unknown"


def module_path(module: str) -> str:
    """The full path of a command's module in :data:`COMMANDS`: a name alone is in this
    package."""
    return module if "." in module else f"{__package__}.{module}"


class _Version(argparse.Action):
    """``--version``: the version read from the metadata only when asked for."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        kwargs.update(nargs=0, default=argparse.SUPPRESS)
        super().__init__(option_strings, dest, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any, **__: Any) -> None:
        print(f"{parser.prog} {version()}")
        parser.exit()


class _Filler:
    """Stands for the sub-parsers in a command module's ``register``: its ``add_parser``
    hands back the command's existing parser, given the description and epilog."""

    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser

    def add_parser(self, name: str, **kwargs: Any) -> argparse.ArgumentParser:
        kwargs.pop("help", None)  # the one line of COMMANDS, shown by `wdnopt --help`
        for key, value in kwargs.items():
            setattr(self.parser, key, value)
        return self.parser


class _LazyCommands(argparse._SubParsersAction):
    """Sub-commands whose options are defined when the command is parsed: until then each is
    a parser with its one-line help and ``-v`` only, and its module is not imported."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.modules: dict[str, str] = {}

    def add_command(self, name: str, module: str, summary: str) -> argparse.ArgumentParser:
        self.modules[name] = module
        parser = self.add_parser(name, help=summary)
        parser.add_argument(  # -v after the command too: wdnopt solve X -v
            "-v", "--verbose", dest="verbose_after", action="count", default=0, help=VERBOSE_HELP
        )
        return parser

    def load(self, name: str) -> argparse.ArgumentParser:
        """The parser of command ``name`` with all its options (its module imported once)."""
        parser = self._name_parser_map[name]
        module = self.modules.pop(name, None)
        if module is not None:
            importlib.import_module(module_path(module)).register(_Filler(parser))
        return parser

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        self.load(values[0])
        super().__call__(parser, namespace, values, option_string)


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
    parser.register("action", "lazy_commands", _LazyCommands)
    parser.add_argument("--version", action=_Version, help="print the version and exit")
    parser.add_argument("-v", "--verbose", action="count", default=0, help=VERBOSE_HELP)
    sub = parser.add_subparsers(
        dest="command", metavar="COMMAND", required=True, action="lazy_commands"
    )
    for name, (module, summary) in COMMANDS.items():
        sub.add_command(name, module, summary)
    return parser


STDOUT_OPTIONS = ("--plot", "--csv")
"""File options that take ``-`` for standard output."""
NO_STDOUT_OPTIONS = ("--out", "--db")
"""Options that name a folder or a database: ``-`` is refused (standard output holds one
stream, not a folder of files or a database)."""


def stdout_claims(args: argparse.Namespace) -> list[str]:
    """The options that write to standard output: a file option given as ``-``, ``--json``."""
    claims = [option for option in STDOUT_OPTIONS if _given_as_dash(args, option)]
    if getattr(args, "json", False):
        claims.append("--json")
    return claims


def _given_as_dash(args: argparse.Namespace, option: str) -> bool:
    return str(getattr(args, option.lstrip("-"), None) or "") == "-"


def refuse_dash(args: argparse.Namespace) -> None:
    """``-`` for a folder or a database option: exit 2 naming it, the same in every command."""
    for option in NO_STDOUT_OPTIONS:
        if _given_as_dash(args, option):
            what = "a folder" if option == "--out" else "a file"
            takes = " or ".join(f"{o} -" for o in STDOUT_OPTIONS)
            raise InputError.single(
                f"{what} (standard output, '-', takes one file only: {takes})",
                field=option,
                got="-",
            )


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
    # lazy: rich only once a command runs (`wdnopt --help` stays light)
    from rich.console import Console
    from rich.markup import escape

    err = Console(stderr=True, highlight=False)
    try:
        refuse_dash(args)
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
