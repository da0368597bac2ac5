"""The pump comparison sweep: every algorithm on every network × demand factor × objective
(× seed), each plan priced by the one cost function and checked in EPANET, tabled against the
exact reference.

A ``pump_comparison`` scenario (:class:`~wdnopt.models.pumps.comparison.PumpComparisonScenario`)
is expanded into runs by :func:`plan_sweep` (:mod:`.plan`), which checks everything a run needs
(algorithm names and options, networks, catalogue) before any run starts; :func:`run_sweep`
(:mod:`.job`) runs them on the harness (:mod:`wdnopt.solvers.harness`) and writes, in its output
folder:

- ``runs/<run id>.json``: one file per finished run (:mod:`.run`), written as it finishes;
- ``results.csv`` and ``results.parquet``: one row per run, :data:`RESULT_COLUMNS` (the fields
  of the frozen :class:`~wdnopt.solvers.pumps.sweep.record.RunRecord`);
- ``gaps.csv``: per algorithm and objective, the mean and worst gap and the share of runs within
  1 % of the reference (:func:`gap_table`, :mod:`.table`); then the figures (:mod:`.figures`)
  and the report (:mod:`.report`), written by :mod:`.outputs`.

**Gaps.** In each group (network, factor, objective) the reference is the least cost proved
optimal by an exact algorithm of the registry; when no exact run proved its optimum, it is the
best valid lower bound of the group, and ``reference_kind`` says ``bound``. On a looped network
the reference is ``milp-network``'s (added to the runs when the sweep does not list it).
``gap = (cost − reference) / reference``, a fraction (0 when both are 0). Runs that return a
bound only (MIN-OPEX) have no cost and no gap; their bound is in ``bound`` and the paper's IV-B
figure in ``paper_bound``.
"""

from __future__ import annotations

from wdnopt.models.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    "RunSpec": ".plan",
    "LOOPED_REFERENCE": ".plan",
    "SweepPlan": ".plan",
    "load_sweep": ".plan",
    "plan_sweep": ".plan",
    "execute_run": ".run",
    "RECORD_VERSION": ".record",
    "RESULT_COLUMNS": ".record",
    "COLUMN_TYPES": ".record",
    "RunRecord": ".record",
    "records_frame": ".record",
    "GROUP": ".table",
    "WITHIN": ".table",
    "results_table": ".table",
    "add_gaps": ".table",
    "gap_table": ".table",
    "compared": ".table",
    "run_sweep": ".job",
    "write_outputs": ".outputs",
    "pressure_curves": ".outputs",
}
"""Every name of this package and the module that defines it."""

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
