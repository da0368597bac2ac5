"""The command line's numbers, kept in :mod:`wdnopt.solvers.numbers` (shared with ``wdnopt
serve``, which lives in the service package); named here for the commands of this package."""

from wdnopt.solvers.numbers import (
    MAX_HOUR,
    MAX_PRESSURE_M,
    MAX_TIME_LIMIT,
    bounded_float,
    bounded_int,
    hour,
    time_limit,
)

__all__ = [
    "MAX_HOUR",
    "MAX_PRESSURE_M",
    "MAX_TIME_LIMIT",
    "bounded_float",
    "bounded_int",
    "hour",
    "time_limit",
]
