"""Where a sweep's runs execute by default: the numbers the command line shows in its help.

Light on purpose (no solver, no Dask): ``wdnopt compare --help`` imports it.
"""

from __future__ import annotations

import logging
import math
import os

logger = logging.getLogger(__name__)


TABLE_EVERY_S = 2.0
"""While a sweep runs, ``results.csv`` is rewritten at most this often (s); it is rewritten
from the run files at the end in any case."""

PARALLEL_AFTER_S = 30.0
"""By default a sweep runs in this process, and moves its remaining runs to a local cluster
only once the runs timed so far predict more than this much work left (s): starting the
cluster, importing the solvers in every worker and building each problem again there costs
seconds, and on small machines parallel runs also slow each other down, so short sweeps are
faster in one process."""


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def free_workers() -> int:
    """Worker processes worth starting now: the cores this process may use, less the load of
    the last minute beyond this process's own (at least 1). On a machine busy with other work
    parallel runs slow each other down: one sweep measured 0.71 × the speed of one process
    with two workers on two cores at a load of 7."""
    cores = default_workers()
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this system
        return cores
    return max(1, min(cores, math.floor(cores - max(0.0, load - 1.0) + 0.5)))
