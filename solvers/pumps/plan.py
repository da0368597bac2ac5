"""The one pump result: a placement on a network at one demand factor, checked in EPANET.

:class:`PumpPlan` is to pump placement what :class:`~wdnopt.solvers.routing.solve.RoutingResult`
is to routing. It joins the problem, the algorithm's answer and the EPANET check, and its
:meth:`PumpPlan.to_dict` is the one serialisation of a plan: ``wdnopt solve --json``, the
``--out`` summary, the comparison sweep's records and the solve service all read it.
:func:`placement_report` puts the plans of several demand factors under one overall status.

**Which bound a plan carries.** An algorithm that plans on the tree model of a looped network
(everything but the ``network_checked`` algorithms) proves its bound for that tree, not for the
network as given, so a plan on a looped network keeps only the bound of an algorithm whose
bound holds for the network's own problem, loops included (``milp-network``'s).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.placement import placement_table
from wdnopt.solvers.pumps.result import PlacementResult, summary_html
from wdnopt.solvers.status import Status, relative_gap

if TYPE_CHECKING:
    import wntr
    from matplotlib.figure import Figure

    from wdnopt.models.pumps.problem import PumpProblem
    from wdnopt.solvers.pumps.verify import Verification

MAX_HTML_PUMPS = 20
"""Pumps listed in a notebook's view of a plan."""


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
    def algorithm(self) -> str:
        return self.result.algorithm

    @property
    def objective(self) -> float | None:
        """The plan's cost by the objective (money)."""
        return self.result.objective

    @property
    def bound(self) -> float | None:
        """A proved lower bound of the problem on the network as given (None where the
        algorithm's bound is of a tree model of a looped network: see the module's text)."""
        network = self.problem.network
        if network is not None and network.looped and not _network_checked(self.algorithm):
            return None
        return self.result.bound

    @property
    def gap(self) -> float | None:
        """``(objective − bound) / objective`` when both are known."""
        return relative_gap(self.objective, self.bound)

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
    def model_error_m(self) -> float | None:
        """The largest gap between the pressures the algorithm predicted for its plan and
        EPANET's (None without a check)."""
        if self.check is None:
            return None
        return self.result.extras.get("model_error_m", self.check.max_model_error)

    @property
    def pumps(self) -> pd.DataFrame:
        """One row per pump: the name of the pump in the network written by
        :meth:`network_with_pumps` (``pump``), the junction it is inserted at (``node``), its
        ``pipe``, catalogue ``size``, ``power_kw``, the flow and head of the algorithm's model
        there (``flow_m3s``, ``head_m``), where it runs in EPANET's check
        (``epanet_flow_m3s``, ``epanet_head_m``; NaN without a check), and costs."""
        table = placement_table(self.problem, self.result)
        check = self.check
        names = [None if check is None else check.pumps.get(p) for p in self.result.pumps]
        table.insert(0, "pump", names)
        at = table.columns.get_loc("head_m") + 1
        for column, values in (
            ("epanet_flow_m3s", None if check is None else check.pump_flow),
            ("epanet_head_m", None if check is None else check.pump_head),
        ):
            figures = [float("nan") if values is None or n is None else float(values.get(n, "nan"))
                       for n in names]  # fmt: skip
            table.insert(at, column, figures)
            at += 1
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
        from wdnopt.solvers.pumps.verify import with_pumps  # lazy: wntr (start-up)

        if self.problem.network is None:
            raise ValueError("the plan has no network (a bare tree instance)")
        wn, _ = with_pumps(self.problem.network.wn, self.result.pumps, self.problem.catalogue)
        return wn

    def write_inp(self, path: str | Path) -> Path:
        """Write :meth:`network_with_pumps` as an EPANET ``.inp`` file (its folder made if
        missing); returns the path."""
        from wdnopt.models.pumps.instance import write_network  # lazy: wntr (start-up)

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        return write_network(self.network_with_pumps(), path)

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON can hold it: factor, algorithm, status, message, objective, bound,
        gap, run time, cost split, deficient nodes, the EPANET verdict and its figures, every
        pump (``placement``) and what a certified bound rests on (``relaxation``,
        ``envelope_m``, ``assumptions``, for the algorithms that give one)."""
        r, check, tree = self.result, self.check, self.problem.tree
        return {
            "demand_factor": self.demand_factor,
            "algorithm": r.algorithm,
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "message": r.message,
            "runtime_s": r.runtime_s,
            "cost": self.cost,
            "deficient_nodes": int(tree.deficient.sum()),
            "verified": self.verified,
            "epanet": None
            if check is None
            else {
                "min_margin_m": check.min_margin,
                "mean_slack": check.mean_slack,
                "max_model_error_m": self.model_error_m,
                "below_min": len(check.below_min),
                "above_max": len(check.above_max),
                "failing": [{"junction": n, "short_m": s} for n, s in check.failing(tree)],
                "pump_faults": list(check.pump_faults),
            },
            "placement": self.pumps.to_dict(orient="records"),
            **bound_basis(r),
        }

    def _repr_html_(self) -> str:
        """A notebook's view: the plan's figures in a small table, then its pumps."""
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
        from wdnopt.solvers.pumps.plot import plan_figure  # lazy: matplotlib (start-up)

        return plan_figure(self.problem, self.result, self.check)


def placement_report(
    scenario: str, objective: str, algorithm: str, plans: Sequence[PumpPlan]
) -> dict[str, Any]:
    """The report of one placement scenario: the overall status and verdict at the top, one
    :meth:`PumpPlan.to_dict` per demand factor below (``factors``). The factors are separate
    problems: their objectives are never added up; the top level has the one factor's
    objective, bound and gap, or none with several."""
    only = plans[0] if len(plans) == 1 else None
    checks = [p.verified for p in plans]
    return {
        "scenario": scenario,
        "kind": "pump_placement",
        "algorithm": algorithm,
        "objective_kind": objective,
        "status": str(overall_status([p.result.status for p in plans])),
        "objective": None if only is None else only.objective,
        "bound": None if only is None else only.bound,
        "gap": None if only is None else only.gap,
        "verified": None if any(c is None for c in checks) else all(checks),
        "factors": [p.to_dict() for p in plans],
    }


def overall_status(statuses: Sequence[Status]) -> Status:
    """The status of several factors: the first of infeasible, error, unknown that occurs;
    else ``time_limit`` if any was cut; else ``optimal`` if all are; else the first's."""
    for status in (Status.INFEASIBLE, Status.ERROR, Status.UNKNOWN, Status.TIME_LIMIT):
        if status in statuses:
            return status
    return Status.OPTIMAL if all(s is Status.OPTIMAL for s in statuses) else statuses[0]


def bound_basis(r: PlacementResult) -> dict[str, Any]:
    """What a certified bound rests on (its relaxation, head envelope and assumptions), for
    the algorithms that give one."""
    if "assumptions" not in r.extras:
        return {}
    return {
        "relaxation": r.extras.get("relaxation"),
        "envelope_m": r.extras.get("envelope_m"),
        "assumptions": list(r.extras.get("assumptions", ())),
    }


def _network_checked(algorithm: str) -> bool:
    """Whether ``algorithm``'s bound is a bound of the network's own problem (unknown names,
    e.g. a plan built outside the registry, are not)."""
    return algorithm in registry.names() and registry.get(algorithm).network_checked


def _num(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:,.2f}"
