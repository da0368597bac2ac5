"""Booster pump placement on tree networks: instances, catalogue, cost model, MILP builder."""
