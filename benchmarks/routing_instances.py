"""What the routing benchmarks share: the random instance they are measured on and a timer.

Imported by the ``bench_*.py`` scripts of this folder (run as ``python benchmarks/NAME.py``, so
this folder is on ``sys.path``).
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

from wdnopt.models.routing.network import RoutingNetwork
from wdnopt.models.routing.random_network import random_routing_network


def add_network_args(
    ap: argparse.ArgumentParser,
    *,
    sources: int = 10,
    plants: int = 50,
    zones: int = 1000,
    per_zone: int = 5,
) -> None:
    """``--sources``, ``--plants``, ``--zones``, ``--per-zone`` and ``--seed`` of the random
    routing network (:func:`random_routing_network`), with these defaults."""
    ap.add_argument("--sources", type=int, default=sources)
    ap.add_argument("--plants", type=int, default=plants)
    ap.add_argument("--zones", type=int, default=zones)
    ap.add_argument("--per-zone", type=int, default=per_zone)
    ap.add_argument("--seed", type=int, default=1)


def network(args: argparse.Namespace) -> RoutingNetwork:
    """The random routing network the options of :func:`add_network_args` describe."""
    return random_routing_network(args.sources, args.plants, args.zones, args.per_zone, args.seed)


def timed(fn: Callable[..., Any], *a: Any, **kw: Any) -> tuple[Any, float]:
    """``fn(*a, **kw)`` and its wall time in seconds."""
    t0 = time.perf_counter()
    out = fn(*a, **kw)
    return out, time.perf_counter() - t0
