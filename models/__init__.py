"""wdnopt.models: what each problem is.

Scenario schema, network and tree instances, cost model and Pyomo builders. Nothing here solves
or prints; ``wdnopt.solvers`` does that and imports this package, never the reverse.
"""
