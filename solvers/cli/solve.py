"""``wdnopt solve SCENARIO``: solve one scenario and report the answer.

The scenario's ``kind`` picks the handler: each kind has a module in this package with a
``solve_and_report(scenario, args) -> int`` function.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.models.scenario import load_scenario
from wdnopt.solvers.cli.figure_options import (
    add_figure_options,
    plot_format,
    refuse_unused_figure_options,
)
from wdnopt.solvers.io import check_output_path
from wdnopt.solvers.numbers import MAX_TIME_LIMIT, time_limit

HANDLERS: dict[str, str] = {
    "routing": "wdnopt.solvers.cli.routing_report:solve_and_report",
    "pump_placement": "wdnopt.solvers.cli.pump_report:solve_and_report",
    "pump_comparison": "wdnopt.solvers.cli.compare:refuse_solve",
    "routing_sweep": "wdnopt.solvers.cli.compare:refuse_solve",
}
"""Scenario kind → the function that solves it and prints (or writes) the report, imported
when a scenario of that kind is solved (a routing solve never imports wntr)."""


def handler(kind: str) -> Callable[[Any, argparse.Namespace], int]:
    """The function of :data:`HANDLERS` for a scenario kind."""
    module, _, name = HANDLERS[kind].partition(":")
    return getattr(importlib.import_module(module), name)


class _AlgorithmNames:
    """The registered pump placement algorithms, looked up only when asked for (``--help``,
    or an ``--algorithm`` given), so that parsing a routing command imports no pump code."""

    def _names(self) -> list[str]:
        from wdnopt.solvers.pumps import registry  # lazy: see the class's text

        return registry.names()

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


class _DefaultAlgorithm:
    """The registry's default algorithm, for ``--help``: read only when the help is shown."""

    def __str__(self) -> str:
        # only when the help is shown: parsing a routing command imports no pump code
        from wdnopt.solvers.pumps.registry import DEFAULT_ALGORITHM

        return DEFAULT_ALGORITHM


def register(sub: Any) -> None:
    p = sub.add_parser(
        "solve",
        description=(
            "Solve the scenario in a TOML file and print a readable report: status, total "
            "cost and the tables of the answer. Exit code 0 when a solution was found, 2 for "
            "bad input or an infeasible problem, 1 when the solver found no answer or, for "
            "pump placement, when a plan does not hold on the network."
        ),
    )
    p.add_argument("scenario", type=Path, help="scenario file (.toml)")
    p.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object on stdout (status, objective, bound, tables) instead",
    )
    p.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="also write the tables as CSV in DIR (made if missing; checked before solving)",
    )
    p.add_argument(
        "--time-limit",
        type=time_limit,
        metavar="S",
        help="wall-clock seconds for each demand factor's whole run (pump placement: the "
        "algorithm, its cross-check and the repair share it; routing: each solve); beats "
        "[options.NAME] time_limit, which beats [solver] time_limit; a finite number in "
        f"(0, {MAX_TIME_LIMIT:g}]",
    )
    algorithm = p.add_argument(
        "--algorithm",
        default=None,
        choices=_AlgorithmNames(),
        metavar="NAME",
        help="pump placement algorithm (default %(default_algorithm)s; one of %(choices)s)",
    )
    algorithm.default_algorithm = _DefaultAlgorithm()  # type: ignore[attr-defined]
    p.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help=(
            "routing: write a plot of the day (throughput, storage, cost by period); "
            "pump placement: a map of the junction pressures without and with the plan, "
            "pumps and junctions still below P_min marked, in an existing folder (with several "
            "demand factors, one file per factor: FILE_2.5.png for factor 2.5); PNG, SVG or "
            "PDF by the suffix or --format"
        ),
    )
    add_figure_options(p)
    p.add_argument(
        "--season",
        metavar="NAME",
        help="routing: solve this season only (default: the scenario's season, or every season)",
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.out is not None:
        check_output_path(args.out, option="--out", folder=True)
    if args.plot is not None:
        check_output_path(args.plot, option="--plot")
    given_format = args.format
    args.format = plot_format(args, args.plot)
    scenario = load_scenario(args.scenario)
    season = getattr(args, "season", None)
    if season is not None:
        known = [s.id for s in getattr(scenario, "seasons", None) or []]
        if season not in known:
            raise InputError.single(
                f"one of the scenario's seasons {known}"
                if known
                else "no --season: the scenario has no seasons",
                field="--season",
                got=repr(season),
                file=args.scenario,
            )
    _refuse_options_of_other_kinds(scenario, args, given_format)
    return handler(scenario.kind)(scenario, args)


def _refuse_options_of_other_kinds(
    scenario: Any, args: argparse.Namespace, given_format: str | None
) -> None:
    """An option given for a scenario it does nothing for is a mistake: exit 2, naming it."""
    kind = scenario.kind
    draws = args.plot is not None
    if kind == "routing":
        if args.algorithm is not None:
            raise InputError.single(
                "no --algorithm: it picks a pump placement algorithm, and a routing scenario "
                "is solved by HiGHS",
                field="--algorithm",
                got=repr(args.algorithm),
                file=args.scenario,
            )
        if getattr(scenario, "schedule", None) is None:
            if draws:
                raise InputError.single(
                    "a routing scenario with a [schedule] (the plot draws the day)",
                    field="--plot",
                    got="no [schedule]",
                    file=args.scenario,
                )
        else:
            draws = draws or args.out is not None  # --out DIR gets the day's plot
    elif kind == "pump_placement":
        several = len(scenario.demand_factors) > 1
        if args.plot is not None and str(args.plot) == "-" and several:
            raise InputError.single(
                "one demand factor for --plot - (several write one image each)",
                field="--plot",
                got=f"{len(scenario.demand_factors)} demand factors",
                file=args.scenario,
            )
    args_given = argparse.Namespace(format=given_format, dpi=args.dpi)
    refuse_unused_figure_options(
        args_given,
        draws=draws,
        why="--plot FILE, or --out DIR for a routing scenario with a [schedule]",
        file=args.scenario,
    )
