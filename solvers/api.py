"""The Python entry points: booster pumps on a network you already have, and results read
back from an output folder.

:func:`place_pumps` takes a ``wntr`` ``WaterNetworkModel`` (or an ``.inp`` path, or the name
of a network shipped with wntr), runs one placement algorithm at one demand factor exactly as
``wdnopt solve`` does (the exact cross-check on trees, the repair on the network, the EPANET
check) and returns a :class:`PumpPlan`: its tables are DataFrames with the network's own pipe
and junction names, and :meth:`PumpPlan.write_inp` writes the network with the pumps inserted.
:func:`load_results` reads back what a command wrote in an ``--out`` folder.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wdnopt.extras import installed
from wdnopt.models.errors import InputError

if TYPE_CHECKING:
    import wntr
    from matplotlib.figure import Figure

    from wdnopt.models.pumps.problem import PumpProblem
    from wdnopt.solvers.pumps.result import PlacementResult
    from wdnopt.solvers.pumps.verify import Verification


@dataclass(frozen=True, eq=False)
class PumpPlan:
    """A pump placement on a network at one demand factor, checked in EPANET.

    ``status`` is ``optimal`` only when proved (on a tree, by both exact methods); ``verified``
    says whether the plan holds on the network as given. Tables use the network's names.
    """

    problem: PumpProblem
    result: PlacementResult
    check: Verification | None

    @property
    def status(self) -> str:
        return str(self.result.status)

    @property
    def objective(self) -> float | None:
        """The plan's cost by the objective (money)."""
        return self.result.objective

    @property
    def bound(self) -> float | None:
        return self.result.bound

    @property
    def gap(self) -> float | None:
        return self.result.gap

    @property
    def verified(self) -> bool | None:
        """Whether the plan holds on the network (None: no plan to check)."""
        return None if self.check is None else bool(self.check.verified)

    @property
    def demand_factor(self) -> float:
        return float(self.problem.tree.demand_factor)

    @property
    def cost(self) -> dict[str, float]:
        """Capital cost, NPV of the energy bill, their sum, number of pumps, rated kW."""
        c = self.result.cost
        return {"capex": c.capex, "opex": c.opex, "tco": c.tco, "n_pumps": c.n_pumps,
                "total_kw": c.total_kw}  # fmt: skip

    @property
    def pumps(self) -> pd.DataFrame:
        """One row per pump: the junction it is inserted at (``node``), its ``pipe``, catalogue
        ``size``, ``power_kw``, model flow and head, costs, and the name of the pump in the
        network written by :meth:`network_with_pumps` (``pump``)."""
        from wdnopt.solvers.pumps.placement import placement_table

        table = placement_table(self.problem, self.result)
        names = self.check.pumps if self.check is not None else {}
        table.insert(0, "pump", [names.get(p) for p in self.result.pumps])
        return table

    @property
    def pressures(self) -> pd.DataFrame:
        """Per junction of the model: pressure before (m), with the plan in EPANET (m), P_min,
        whether it is checked, and the margin above P_min with the plan (m)."""
        tree = self.problem.tree
        after = (
            np.asarray(self.check.pressure, dtype=float)
            if self.check is not None
            else np.full(tree.n, np.nan)
        )
        frame = pd.DataFrame(
            {
                "junction": list(tree.node_names),
                "before_m": np.asarray(tree.pressure, dtype=float),
                "after_m": after,
                "p_min": float(tree.p_min),
                "checked": np.asarray(tree.checked, dtype=bool),
            }
        )
        frame["margin_m"] = frame["after_m"] - frame["p_min"]
        return frame

    def network_with_pumps(self) -> wntr.network.WaterNetworkModel:
        """A copy of the network with one constant-power pump per planned pump, each on a new
        junction between its pipe and the node it is inserted at (the network EPANET checked;
        demands as given, not multiplied by the demand factor)."""
        from wdnopt.solvers.pumps.verify import with_pumps

        if self.problem.network is None:
            raise ValueError("the plan has no network (a bare tree instance)")
        wn, _ = with_pumps(self.problem.network.wn, self.result.pumps, self.problem.catalogue)
        return wn

    def write_inp(self, path: str | Path) -> Path:
        """Write :meth:`network_with_pumps` as an EPANET ``.inp`` file (its folder made if
        missing); returns the path."""
        from wdnopt.models.pumps.instance import write_network

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return write_network(self.network_with_pumps(), path)

    def to_dict(self) -> dict[str, Any]:
        return {
            "demand_factor": self.demand_factor,
            "algorithm": self.result.algorithm,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "verified": self.verified,
            "cost": self.cost,
            "pumps": self.pumps.to_dict(orient="records"),
        }

    def _repr_html_(self) -> str:
        """A notebook's view: the plan's figures in a small table, then its pumps."""
        from wdnopt.solvers.pumps.result import summary_html

        verdict = {True: "holds on the network", False: "does NOT hold on the network",
                   None: "no plan"}[self.verified]  # fmt: skip
        rows = {"demand factor": f"{self.demand_factor:g}", **self.result.summary()}
        rows["EPANET check"] = verdict
        return summary_html(rows) + self.pumps.head(MAX_HTML_PUMPS).to_html(index=False, na_rep="–")

    def __repr__(self) -> str:
        return (
            f"PumpPlan(factor={self.demand_factor:g}, algorithm={self.result.algorithm!r}, "
            f"status={self.status!r}, objective={_num(self.objective)}, "
            f"pumps={len(self.result.pumps)}, verified={self.verified!r})"
        )

    def plot(self) -> Figure:
        """The plan on the network, as ``wdnopt solve --plot`` draws it: junction pressures
        without (left) and with the plan as EPANET simulated it (right), the pumps marked."""
        from wdnopt.solvers.pumps.plot import plan_figure

        return plan_figure(self.problem, self.result, self.check)


MAX_HTML_PUMPS = 20
"""Pumps listed in a notebook's view of a plan."""


def place_pumps(
    network: wntr.network.WaterNetworkModel | str | Path,
    demand_factor: float = 1.0,
    *,
    algorithm: str = "network-dp",
    objective: str = "tco",
    time_limit: float | None = None,
    **settings: Any,
) -> PumpPlan:
    """Place booster pumps on ``network`` at ``demand_factor`` × its demands.

    ``network``: a ``wntr`` ``WaterNetworkModel`` (used as it is, not modified), an ``.inp``
    path or a network shipped with wntr (``"Net3"``). ``settings`` are the fields of a
    ``pump_placement`` scenario (``p_min``, ``p_max``, ``hour``, ``mode``, ``checked``,
    ``catalogue``, ``costs={...}``, ``options={name: {option: value}}``, ``solver={...}``),
    checked as a scenario file is: a wrong one raises :class:`InputError` naming it.
    ``time_limit`` beats ``options[algorithm]["time_limit"]``, which beats
    ``solver["time_limit"]`` (:func:`~wdnopt.solvers.pumps.request.placement_request`).
    """
    from wdnopt.models.pumps.instance import build_problems, load_network
    from wdnopt.models.pumps.schema import NetworkSource, PumpPlacementScenario
    from wdnopt.solvers.pumps.placement import run_placement
    from wdnopt.solvers.pumps.request import placement_request  # pump code: when placing

    given_wn = not isinstance(network, str | Path)
    source: dict[str, Any] = {"generator": {"nodes": 1}} if given_wn else _source(network)
    data = {
        "kind": "pump_placement",
        "network": source,
        "demand_factors": [demand_factor],
        "objective": objective,
        **settings,
    }
    try:
        scenario = PumpPlacementScenario.model_validate(data)
    except Exception as exc:
        from wdnopt.models.scenario import scenario_from_dict

        scenario_from_dict(data)  # the same errors as a file: InputError naming the field
        raise exc
    if given_wn:
        label = NetworkSource.model_construct(file=Path(network.name or "network"))
        scenario = scenario.model_copy(update={"network": label})
        wn = network
    else:
        wn = load_network(scenario)
    request = placement_request(scenario, algorithm, time_limit)
    (problem,) = build_problems(scenario, wn=wn)
    result, check = run_placement(problem, request)
    return PumpPlan(problem, result, check)


def _source(network: str | Path) -> dict[str, Any]:
    from wdnopt.models.pumps.hydraulics import SHIPPED_NETWORKS

    if isinstance(network, str) and network in SHIPPED_NETWORKS:
        return {"shipped": network}
    return {"file": str(network)}


def _num(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.2f}"


@dataclass(frozen=True, eq=False)
class SavedResults:
    """What a command wrote in an ``--out`` folder, read back: ``summary`` (``summary.json``)
    and every table (``tables``, by file stem: ``plants``, ``zones``, ``flows``, ... for a
    routing solve; ``pumps_2.5`` for a pump placement; ``results``, ``gaps`` for a sweep)."""

    folder: Path
    summary: dict[str, Any]
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)

    @property
    def status(self) -> str | None:
        return self.summary.get("status")

    @property
    def objective(self) -> float | None:
        return self.summary.get("objective")

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.tables[name]

    def _repr_html_(self) -> str:
        keys = ("command", "kind", "scenario", "status", "objective", "bound", "gap")
        rows = "".join(
            f"<tr><th>{k}</th><td>{html.escape(str(self.summary.get(k)))}</td></tr>"
            for k in keys
            if k in self.summary
        )
        names = ", ".join(html.escape(n) for n in self.tables)
        return f"<table>{rows}</table><p>{html.escape(str(self.folder))}: {names}</p>"


def load_results(folder: str | Path) -> SavedResults:
    """Read back an ``--out`` folder of ``wdnopt solve`` or ``wdnopt compare`` (its
    ``summary.json`` and its tables; a sweep's results from ``results.parquet``, typed, when
    pyarrow is installed, else from ``results.csv``)."""
    folder = Path(folder)
    path = folder / "summary.json"
    if not path.is_file():
        raise InputError.single(
            "an output folder of wdnopt (with its summary.json)", got="no summary.json", file=folder
        )
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InputError.single(f"valid JSON ({exc})", file=path) from None
    tables = {p.stem: pd.read_csv(p) for p in sorted(folder.glob("*.csv"))}
    if (folder / "results.parquet").is_file() and installed("parquet"):  # typed columns
        tables["results"] = pd.read_parquet(folder / "results.parquet")
    return SavedResults(folder, summary, tables)
