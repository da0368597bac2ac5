"""The plan of a sweep: every run it declares, checked before any runs.

:func:`plan_sweep` expands a ``pump_comparison`` scenario into :class:`RunSpec` runs (network ×
objective × demand factor × algorithm × seed) and checks everything they need (algorithm names
and options, networks, catalogue). Each run's id is a hash of everything that determines its
answer (:func:`_run_id`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.comparison import PumpComparisonScenario
from wdnopt.models.pumps.instance import load_network
from wdnopt.models.pumps.network import is_looped
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.models.scenario import load_scenario_of
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.request import check_option_tables, placement_request
from wdnopt.solvers.pumps.sweep.record import RECORD_VERSION

logger = logging.getLogger(__name__)


LOOPED_REFERENCE = "milp-network"
"""The algorithm whose bound (or proved optimum) is the reference of the gaps on a looped
network: added to a sweep's runs on its looped networks when the sweep does not list it."""


@dataclass(frozen=True, eq=False)
class RunSpec:
    """Everything one run needs, picklable (it travels to a Dask worker)."""

    run_id: str
    scenario: str
    network: str
    demand_factor: float
    objective: str
    algorithm: str
    seed: int | None
    time_limit: float | None
    """The explicit limit of the run (``wdnopt compare --time-limit``), None: the scenario's."""
    options: dict[str, Any]
    """The options the sweep sets (the rest are the algorithm's defaults), as the run's
    request has them: its labels and part of its id."""
    problem: PumpPlacementScenario
    """The network and the shared settings, as a ``pump_placement`` scenario: the worker builds
    the run's request from it, ``algorithm`` and ``seed`` (:func:`.run.run_request`), so that
    its deadline starts where the run starts."""
    verify: bool
    log_levels: dict[str, int] = field(default_factory=dict)
    """Logger levels to set where the run executes (mirrors the caller's, for workers)."""


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A checked sweep: its scenario and every run, in table order."""

    scenario: PumpComparisonScenario
    file: str | None
    """The scenario file (None for a scenario built in code)."""
    runs: tuple[RunSpec, ...]
    algorithms: tuple[str, ...]
    """The algorithms of the sweep, in registry order (the reference included)."""
    exact: tuple[str, ...]
    """The exact algorithms of the registry (the references of the gaps)."""

    @property
    def name(self) -> str:
        return self.scenario.name or (Path(self.file).stem if self.file else "sweep")


def load_sweep(
    source: PumpComparisonScenario | str | Path,
) -> tuple[PumpComparisonScenario, str | None]:
    """A comparison scenario and its file, from a path or a scenario object."""
    return load_scenario_of(source, PumpComparisonScenario)


def plan_sweep(
    scenario: PumpComparisonScenario, *, file: str | None = None, time_limit: float | None = None
) -> SweepPlan:
    """Expand and check a sweep; raises :class:`InputError` before anything runs.
    ``time_limit`` is the explicit limit of every run (the top of the precedence of
    :func:`~wdnopt.solvers.pumps.request.placement_request`)."""
    where = file or "<scenario>"
    known = registry.names()
    exact = tuple(n for n in known if registry.get(n).exact)
    wanted = (
        list(scenario.algorithms)
        if scenario.algorithms is not None
        else [n for n in known if n != LOOPED_REFERENCE]  # it runs on looped networks
    )
    for i, name in enumerate(wanted):
        if name not in known:
            raise InputError.single(
                f"a registered algorithm, one of {known}",
                field=f"algorithms[{i}]",
                got=repr(name),
                file=where,
            )
    if scenario.reference not in exact:
        raise InputError.single(
            f"an exact algorithm, one of {list(exact)}",
            field="reference",
            got=repr(scenario.reference),
            file=where,
        )
    if scenario.reference not in wanted:
        wanted.append(scenario.reference)
    check_option_tables(scenario.options, where=where)  # also those of algorithms not run
    for name, table in scenario.options.items():
        if "seed" in table:
            raise InputError.single(
                "no seed here: the sweep's seeds = [...] gives every seed",
                field=f"options.{name}.seed",
                file=where,
            )
    load_catalogue(scenario.catalogue)  # raises InputError naming the file and row
    digests = {"catalogue": _digest_file(scenario.catalogue)}
    looped: set[int] = set()
    for i, source in enumerate(scenario.networks):
        wn = load_network(scenario.placement_scenario(i, scenario.objectives[0]))  # bad: here
        if is_looped(wn):
            looped.add(i)
        if source.file is not None:
            digests[source.key] = _digest_file(source.file)
    only_looped: set[str] = set()
    if looped and LOOPED_REFERENCE not in wanted:  # the certified bound of looped networks
        wanted.append(LOOPED_REFERENCE)
        only_looped.add(LOOPED_REFERENCE)
    algorithms = tuple(n for n in known if n in wanted)
    # the options as each run's worker will build them (.run.run_request): the same for every
    # network, objective and factor
    settings = scenario.placement_scenario(0, scenario.objectives[0])
    requests = {
        (name, seed): placement_request(settings, name, time_limit, where=where, seed=seed)
        for name in algorithms
        for seed in (list(scenario.seeds) if "seed" in _option_names(name) else [None])
    }
    given = {key: dict(request.given) for key, request in requests.items()}

    levels = {name: logging.getLogger(name).getEffectiveLevel() for name in ("wntr", "wdnopt")}
    runs = []
    for i, source in enumerate(scenario.networks):
        for objective in scenario.objectives:
            problem = scenario.placement_scenario(i, objective)
            for factor in scenario.demand_factors:
                for name in algorithms:
                    if name in only_looped and i not in looped:
                        continue
                    seeds: list[int | None] = (
                        list(scenario.seeds) if "seed" in _option_names(name) else [None]
                    )
                    for seed in seeds:
                        values = dict(given[(name, seed)])
                        run_id = _run_id(
                            scenario, source.key, digests, factor, objective, name, values,
                            requests[(name, seed)].time_limit,
                        )  # fmt: skip
                        runs.append(
                            RunSpec(
                                run_id=run_id,
                                scenario=scenario.name,
                                network=source.key,
                                demand_factor=float(factor),
                                objective=objective,
                                algorithm=name,
                                seed=seed,
                                time_limit=time_limit,
                                options=values,
                                problem=problem,
                                verify=scenario.verify,
                                log_levels=levels,
                            )
                        )
    logger.info("sweep %s: %d run(s) over %s", scenario.name, len(runs), list(algorithms))
    return SweepPlan(scenario, file, tuple(runs), algorithms, exact)


def _option_names(name: str) -> set[str]:
    return {f.name for f in dataclasses.fields(registry.get(name).options)}


def _digest_file(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _run_id(
    scenario: PumpComparisonScenario,
    network: str,
    digests: dict[str, str],
    factor: float,
    objective: str,
    algorithm: str,
    options: dict[str, Any],
    time_limit: float | None,
) -> str:
    """A stable hash of everything that determines the run's answer, the run's one
    wall-clock limit included (it bounds the cross-check and the repair too, also for an
    algorithm without a ``time_limit`` option of its own)."""
    source = next(n for n in scenario.networks if n.key == network)
    spec = {
        "version": RECORD_VERSION,
        "network": {
            "file": digests.get(network),
            "shipped": source.shipped,
            "generator": source.generator.model_dump() if source.generator else None,
        },
        "mode": [scenario.mode, scenario.checked, scenario.repair],
        "hour": scenario.hour,
        "p_min": scenario.pressure_min,
        "p_max": scenario.p_max,
        "catalogue": digests["catalogue"],
        "costs": scenario.costs.model_dump(),
        "demand_factor": float(factor),
        "objective": objective,
        "algorithm": algorithm,
        "options": options,
        "time_limit": time_limit,
        "verify": scenario.verify,
    }
    text = json.dumps(spec, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:20]
