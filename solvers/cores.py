"""How many cores this process may use, and how many are free now.

Light on purpose (the standard library only): the command line's help, the sweeps' dispatch
and the solvers' own threads (:func:`~wdnopt.solvers.pumps.milp_network.tighten_bounds`) read
the same numbers.
"""

from __future__ import annotations

import math
import os


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def free_workers() -> int:
    """Workers (a sweep's processes, a solver's threads) worth starting now: the cores this
    process may use, less the load of the last minute beyond this process's own (at least 1).
    On a machine busy with other work parallel runs slow each other down: one sweep measured
    0.71 × the speed of one process with two workers on two cores at a load of 7."""
    cores = default_workers()
    try:
        load = os.getloadavg()[0]
    except OSError:  # pragma: no cover - no load average on this system
        return cores
    return max(1, min(cores, math.floor(cores - max(0.0, load - 1.0) + 0.5)))
