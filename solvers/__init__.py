"""wdnopt.solvers: how each problem is solved and compared.

HiGHS runs through Pyomo, the heuristics, the algorithm registry, the harness, reports and the
command-line interface. This package imports ``wdnopt.models``; the reverse never happens.
"""
