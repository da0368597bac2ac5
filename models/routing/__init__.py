"""Source → plant → zone routing: scenario schema, network data and the Pyomo builder."""
