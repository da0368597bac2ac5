"""The sweep engine: runs of any kind executed where asked, recorded, tabled and reported.

A sweep kind (the pump comparison of :mod:`wdnopt.solvers.pumps.sweep`, the routing sweep of
:mod:`wdnopt.solvers.routing.sweep`) hands the engine a :class:`SweepJob`: its runs (each with a
``run_id``, a hash of everything that determines its answer), the function that executes one
run (it never raises; a failure is a record with status ``error``), the function that tables the
records, and the one that writes what follows the runs. :func:`sweep_into` then

- checks the options and the output folder and plans the sweep (bad input raises
  :class:`~wdnopt.models.errors.InputError` before any run);
- holds the folder for the sweep (:func:`folder_lock`): a second sweep into it waits or is
  refused;
- skips the runs already recorded in ``runs/<run id>.json`` (a sweep resumes where it stopped;
  changing a setting re-runs only the runs it affects) and writes each finished run's file
  atomically as it finishes, with ``results.csv`` rewritten as runs finish;
- runs the rest in this process, on a local Dask cluster (one worker process per core, once the
  runs timed so far predict more than :data:`PARALLEL_AFTER_S` seconds of work left), or on an
  existing cluster (``scheduler``).

Ctrl-C stops a sweep with its finished runs recorded, and the cluster's worker processes are
closed quietly.

**Modules.** :mod:`~wdnopt.solvers.harness.dispatch` (where runs execute),
:mod:`~wdnopt.solvers.harness.folder` (the output folder and its lock),
:mod:`~wdnopt.solvers.harness.records` (a run's record), :mod:`~wdnopt.solvers.harness.outputs`
(the run information and ``summary.json``), :mod:`~wdnopt.solvers.harness.document` (reports as
blocks, in Markdown and HTML), :mod:`~wdnopt.solvers.harness.plotting` (figures) and
:mod:`~wdnopt.solvers.harness.workers` (defaults the command line shows; the cores
themselves are counted in :mod:`wdnopt.solvers.cores`). Every name is importable from this
package, which imports a module only when one of its names is asked for (``wdnopt --help``
stays fast).
"""

from __future__ import annotations

from wdnopt.models.lazy import lazy_exports

_EXPORTS: dict[str, str] = {
    # the record of a run
    "run_record": ".records",
    "error_record": ".records",
    # the output folder
    "LOCK_FILE": ".folder",
    "check_out_dir": ".folder",
    "folder_lock": ".folder",
    "read_records": ".folder",
    # running
    "TABLE_EVERY_S": ".workers",
    "PARALLEL_AFTER_S": ".workers",
    "SweepProgress": ".dispatch",
    "_work_left": ".dispatch",
    "SweepJob": ".dispatch",
    "sweep_into": ".dispatch",
    "run_job": ".dispatch",
    # outputs
    "run_info": ".outputs",
    "write_sweep_summary": ".outputs",
    "Block": ".document",
    "to_markdown": ".document",
    "to_html": ".document",
    "new_figure": ".plotting",
    "mark_hidden_lines": ".plotting",
    "write_figure_files": ".plotting",
}
"""Every name of this package and the module that defines it."""

__all__ = sorted(n for n in _EXPORTS if not n.startswith("_"))


__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
