"""Pump placement algorithms: the MILP, the paper's heuristics, the registry, verification."""
