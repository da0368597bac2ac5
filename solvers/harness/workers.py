"""Where a sweep's runs execute by default (the numbers the command line shows in its help),
and what the runs of one worker process share (:data:`RUN_LOCK`, :class:`Cache`).

Light on purpose (no solver, no Dask): ``wdnopt compare --help`` imports it.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

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


RUN_LOCK = threading.Lock()
"""Held by every run: one run at a time per process, whatever the threads of its worker.

EPANET's helpers and Pyomo's solver output streams are not thread-safe (a worker running two
MILP runs in two threads can deadlock in Pyomo's ``TeeStream``), and the problem caches are
shared by the process, so runs in threads of one process wait for each other; processes run
in parallel."""


class Cache:
    """A few recent values by key, per process (networks, instances, what-if models)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        if key in self.items:
            self.items.move_to_end(key)
            return self.items[key]
        value = make()
        self.items[key] = value
        while len(self.items) > self.size:
            self.items.popitem(last=False)
        return value

    def drop(self, key: Any) -> None:
        """Forget ``key`` (its value is no longer to be trusted)."""
        self.items.pop(key, None)
