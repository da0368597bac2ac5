"""The comparison harness: run a sweep of pump placement runs (or of routing variations,
:mod:`~wdnopt.solvers.harness.routing`) and tabulate them.

A ``pump_comparison`` scenario (:class:`~wdnopt.models.pumps.comparison.PumpComparisonScenario`)
is expanded into runs, one per network × demand factor × objective × algorithm (× seed, for the
algorithms that take one). :func:`plan_sweep` checks everything a run needs (algorithm names
and options, networks, catalogue) before any run starts; :func:`run_sweep` executes the runs
and writes, in its output folder:

- ``runs/<run id>.json``: one file per finished run, written atomically as it finishes. The run
  id is a hash of everything that determines the run's answer (network file contents,
  catalogue contents, pressures, costs, factor, objective, algorithm, options, seed), so running
  the same sweep again skips the runs already done, and changing a setting re-runs only the
  runs it affects. A run that fails is recorded with status ``error`` and its message.
- ``results.csv`` (rewritten atomically as runs finish) and ``results.parquet``: one row per
  run of the sweep, :data:`RESULT_COLUMNS` (the fields of the frozen
  :class:`~wdnopt.solvers.harness.record.RunRecord`).
- ``gaps.csv``: per algorithm and objective, the mean and worst gap and the share of runs within
  1 % of the reference (:func:`gap_table`); then the figures and the report
  (:mod:`wdnopt.solvers.figures`, :mod:`wdnopt.solvers.report`).

**Gaps.** In each group (network, factor, objective) the reference is the least cost proved
optimal by an exact algorithm of the registry (``milp``, ``tree-dp``); when no exact run proved
its optimum, it is the best valid lower bound of the group (the MILP's best bound, MIN-OPEX's
bound), and ``reference_kind`` says ``bound``. ``gap = (cost − reference) / reference``, a
fraction (0 when both are 0). Runs that return a bound only (MIN-OPEX) have no cost and no gap;
their bound is in ``bound`` and the paper's IV-B figure in ``paper_bound``.

**Where runs execute.** By default in this process, until the runs timed so far predict more
than :data:`PARALLEL_AFTER_S` seconds of work left; then the remaining runs go to a Dask
``LocalCluster`` of one worker process per core (one thread each; the MILP runs with one HiGHS
thread). Starting a cluster and importing the solvers in every worker costs seconds, so short
sweeps stay in one process and are never slower than ``workers=1``. ``workers=1`` runs in this
process, ``workers=N`` on a cluster of N processes from the start; ``scheduler=ADDRESS`` sends
the runs to an existing Dask cluster, whose workers must have ``wdnopt`` installed and see the
scenario's files at the same paths. Workers may run several threads: the runs of one process
take turns (EPANET and Pyomo's output streams are not thread-safe), processes run in parallel.

**The output folder** is held by one sweep at a time (:func:`folder_lock`); Ctrl-C stops a
sweep with its finished runs recorded, and the cluster's worker processes are closed quietly.

**Modules.** :mod:`~wdnopt.solvers.harness.plan` (the runs of a sweep),
:mod:`~wdnopt.solvers.harness.run` (one run), :mod:`~wdnopt.solvers.harness.record` (the row
type and its columns), :mod:`~wdnopt.solvers.harness.table` (results and gap tables),
:mod:`~wdnopt.solvers.harness.folder` (the output folder and its lock),
:mod:`~wdnopt.solvers.harness.dispatch` (where runs execute),
:mod:`~wdnopt.solvers.harness.outputs` (figures and report), and
:mod:`~wdnopt.solvers.harness.workers` (defaults the command line shows). Every name is
importable from this package, which imports a module only when one of its names is asked for
(``wdnopt --help`` stays fast).
"""

from __future__ import annotations

from wdnopt.models.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    # plan
    "RunSpec": ".plan",
    "LOOPED_REFERENCE": ".plan",
    "SweepPlan": ".plan",
    "load_sweep": ".plan",
    "plan_sweep": ".plan",
    # one run
    "execute_run": ".run",
    # the record and the tables
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
    # the output folder
    "LOCK_FILE": ".folder",
    "check_out_dir": ".folder",
    "folder_lock": ".folder",
    "read_records": ".folder",
    # running
    "TABLE_EVERY_S": ".workers",
    "PARALLEL_AFTER_S": ".workers",
    "default_workers": ".workers",
    "SweepProgress": ".dispatch",
    "run_sweep": ".dispatch",
    "_work_left": ".dispatch",
    "SweepJob": ".dispatch",
    "run_job": ".dispatch",
    # the routing sweep
    "RoutingRunSpec": ".routing",
    "RoutingSweepPlan": ".routing",
    "load_routing_sweep": ".routing",
    "plan_routing_sweep": ".routing",
    "execute_routing_run": ".routing",
    "run_routing_sweep": ".routing",
    # outputs
    "run_info": ".outputs",
    "write_outputs": ".outputs",
    "pressure_curves": ".outputs",
}
"""Every name of this package and the module that defines it."""

__all__ = sorted(n for n in _EXPORTS if not n.startswith("_"))


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
