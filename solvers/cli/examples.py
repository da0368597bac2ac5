"""``wdnopt examples [DIR]``: copy the example scenarios and shipped data into a folder.

An installed wdnopt carries its example scenarios and data as package data. This command lays
them out in ``DIR`` as ``scenarios/`` and ``data/``, the layout of a checkout, so every command
of the README runs as written from ``DIR``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from wdnopt.models.resources import copy_examples, data_folder, scenarios_folder
from wdnopt.solvers.cli.console import report_console


def register(sub: Any) -> None:
    p = sub.add_parser(
        "examples",
        description=(
            "Copy the example scenarios (scenarios/) and the shipped networks and pump "
            "catalogue (data/) into DIR, so that the README's commands run as written from "
            "DIR. Files of the same name are overwritten. With --where, print where the "
            "installed files are instead."
        ),
    )
    p.add_argument("dir", nargs="?", type=Path, default=Path("."), help="folder (default: .)")
    p.add_argument(
        "--where", action="store_true", help="print the installed folders and copy nothing"
    )
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    console = report_console()
    if args.where:
        console.print(f"scenarios: {scenarios_folder()}")
        console.print(f"data:      {data_folder()}")
        return 0
    for folder in copy_examples(args.dir):
        console.print(f"wrote {folder}/")
    return 0
