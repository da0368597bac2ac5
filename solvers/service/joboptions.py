"""What a job carries beside its scenario, shared by the server, the Dask task and the solver
process (light on purpose: no solver is imported with it)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

PROGRESS_TOPIC = "wdnopt-service-progress"
"""Dask event topic of job progress."""


BODY = "request body"
"""How messages name a scenario that came as a request body (where a file would be named)."""


Progress = Callable[[int, int, str], None]
"""``progress(done, total, stage)``."""


@dataclasses.dataclass(frozen=True)
class JobOptions:
    """What the request adds to the scenario (the options of ``wdnopt solve``)."""

    time_limit: float | None = None
    """Wall-clock seconds of each solve (``--time-limit``), already within the server's cap."""
    algorithm: str | None = None
    """Pump placement algorithm (``--algorithm``; none: the default)."""
    season: str | None = None
    """Routing: solve this season only (``--season``)."""
    figures: bool = False
    """Draw the figures of ``--plot`` too: a routing schedule's day, each pump plan on its
    network (PNG, returned beside the report)."""
    deadline: float | None = None
    """Wall-clock seconds of the whole job, network building and checks included (none: no
    limit beyond each solve's): past it the job is stopped."""
