r"""Lower bounds on opex, capex and TCO from the continuous relaxation (paper IV-B).

Let :math:`Q^*_{hyd}` (kW) be the least hydraulic power of the continuous relaxation
(:mod:`wdnopt.solvers.pumps.min_opex`) and :math:`h_k = \eta_k W_k` the hydraulic power of size
:math:`k`. **Every feasible placement** :math:`\{(v, k)\}` has :math:`\sum h_k \ge Q^*_{hyd}`:
its boosts are a feasible point of the relaxation and a size-:math:`k` pump on :math:`e_v`
delivers exactly :math:`\rho g q_v H_{v,k} = h_k`. Write :math:`c_k` for the cost of one pump
under an objective (:math:`C_k`, :math:`O_k` or :math:`C_k + O_k`, all proportional to or
independent of nothing but the size). Then

* **ratio bound** (valid): :math:`\sum c_k = \sum (c_k / h_k) h_k \ge
  \min_k (c_k/h_k) \cdot Q^*_{hyd}`. The ratio is per *hydraulic* kW because :math:`Q^*_{hyd}` is
  hydraulic power; for opex it gives :math:`Q^*_{hyd}/\eta_{max} \cdot` ``opex_per_kw``, the
  MIN-OPEX bound. For TCO the minimum of the summed ratio is used (it is at least the sum of the
  capex and opex bounds, so tighter).
* **knapsack bound** (valid, tighter): the numbers :math:`n_k` of pumps of each size in a
  feasible placement satisfy :math:`\sum_k n_k h_k \ge Q^*_{hyd}`, so
  :math:`\sum c_k \ge \min\{\sum_k n_k c_k : \sum_k n_k h_k \ge Q^*_{hyd}, n \in
  \mathbb{Z}^r_{\ge 0}\}`; this small covering knapsack is solved by HiGHS
  (``scipy.optimize.milp``) and its *dual* bound is used, so a solver stopping early still
  yields a valid number. Its LP relaxation is the ratio bound.
* **paper bound** (as written in IV-B, **not valid in general**): sort sizes by capex per kW of
  rated power :math:`C_i/W_i`, :math:`S_0 = Q^*`, :math:`N_i = \lfloor S_{i-1}/W_i \rfloor`,
  :math:`S_i = S_{i-1} - N_i W_i`, capex bound :math:`\sum N_i C_i`; TCO bound = that + the opex
  bound. (:math:`Q^* = Q^*_{hyd}/\eta_{max}`, the paper's :math:`Q^*` when all sizes share one
  efficiency.) The fill is a feasible-looking multiset, not a relaxation: with sizes 20 kW @ 12,
  10 kW @ 10, 3 kW @ 6 and :math:`Q^* = 13` kW it gives 16 while one 20 kW pump (cost 12)
  suffices. :func:`flag_paper_bound` reports every case where it exceeds a proven optimum.

**Curve pumps** (a catalogue with head curves). A size-:math:`k` curve pump on :math:`e_v`
delivers :math:`\rho g q_v h_k(q_v)`, at most :math:`\bar h_k = \rho g \max_q q h_k(q)` (the
curve's largest hydraulic power), and draws :math:`\rho g q_v h_k(q_v)/\eta_k`. So:

* capex: the ratio and knapsack bounds hold with :math:`\bar h_k` in place of :math:`h_k`
  (every pump delivers at most :math:`\bar h_k`; its capex does not depend on where it runs);
* opex: :math:`\sum_v \rho g q_v h_k(q_v)/\eta_k \ge Q^*_{hyd}/\eta_{max}`, the MIN-OPEX
  bound, still holds; the knapsack with a cost per pump does **not** (a pump's energy falls
  with its operating power), so the opex knapsack figure is the ratio bound;
* TCO: capex + opex, so the sum of the two valid bounds (ratio: capex ratio + opex; knapsack:
  capex knapsack + opex);
* the paper's fill counts rated powers as delivered power, which a curve pump does not deliver:
  it is not computed (NaN) for such a catalogue.

For a catalogue of constant-power sizes only, nothing of this applies (:math:`\bar h_k = h_k`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

from wdnopt.models.pumps.costs import OBJECTIVES, RHO_G, Catalogue, CostModel, Objective
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.solvers.pumps.continuous_boost import continuous_min_boost

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LowerBounds:
    """Lower bounds on the optimum of each objective (valid unless named ``paper_*``)."""

    q_star_hydraulic_kw: float
    """Least hydraulic power of the continuous relaxation, kW."""
    q_star_kw: float
    """``Q* = Q*_hyd / η_max``: least electrical power, kW (the paper's Q*)."""
    opex_ratio: float
    opex_knapsack: float
    capex_ratio: float
    capex_knapsack: float
    tco_ratio: float
    tco_knapsack: float
    paper_capex: float
    """The paper's greedy fill (IV-B). Not a valid bound in general."""
    paper_tco: float
    """Opex bound + the paper's capex fill. Not a valid bound in general."""

    @property
    def opex(self) -> float:
        """The valid opex bound (MIN-OPEX's ``Q* · opex_per_kw`` or better)."""
        return self.valid("opex")

    def valid(self, objective: Objective) -> float:
        """The best valid lower bound for ``objective``."""
        if objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {objective!r}; expected one of {OBJECTIVES}")
        return max(getattr(self, f"{objective}_ratio"), getattr(self, f"{objective}_knapsack"))

    def paper(self, objective: Objective) -> float:
        """The paper's figure for ``objective`` (its opex bound is valid, the others are not)."""
        return {"opex": self.opex_ratio, "capex": self.paper_capex, "tco": self.paper_tco}[
            objective
        ]

    def as_dict(self) -> dict[str, float]:
        return asdict(self)


def ratio_bound(q_star_hydraulic_kw: float, hydraulic_kw: np.ndarray, costs: np.ndarray) -> float:
    """``Q*_hyd · min_k c_k / h_k`` (valid)."""
    if q_star_hydraulic_kw <= 0:
        return 0.0
    return float(q_star_hydraulic_kw * np.min(np.asarray(costs) / np.asarray(hydraulic_kw)))


def knapsack_bound(
    q_star_hydraulic_kw: float, hydraulic_kw: np.ndarray, costs: np.ndarray
) -> float:
    """Dual bound of ``min Σ n_k c_k`` s.t. ``Σ n_k h_k ≥ Q*_hyd``, ``n`` integer (valid)."""
    if q_star_hydraulic_kw <= 0:
        return 0.0
    h = np.asarray(hydraulic_kw, dtype=float)
    c = np.asarray(costs, dtype=float)
    fallback = ratio_bound(q_star_hydraulic_kw, h, c)
    res = milp(
        c,
        constraints=LinearConstraint(h[None, :], lb=q_star_hydraulic_kw, ub=np.inf),
        integrality=np.ones(len(h)),
        bounds=Bounds(0, np.inf),
        options={"mip_rel_gap": 0.0, "time_limit": 10.0},
    )
    dual = getattr(res, "mip_dual_bound", None)
    if dual is None or not math.isfinite(dual):
        if res.status == 0 and res.fun is not None:
            dual = float(res.fun)
        else:
            log.warning("covering knapsack not solved (%s); using the ratio bound", res.message)
            return fallback
    return max(float(dual), fallback)


def paper_fill(
    q_star_kw: float, power_kw: np.ndarray, capex: np.ndarray
) -> tuple[float, list[int]]:
    """The paper's IV-B fill, as written: returns ``Σ N_i C_i`` and ``N`` in catalogue order.

    Sizes are taken in order of increasing capex per kW ``C_i / W_i``;
    ``N_i = ⌊S_{i−1} / W_i⌋``, ``S_i = S_{i−1} − N_i W_i``, ``S_0 = Q*``.
    Not a valid lower bound in general (see the module docstring).
    """
    power = np.asarray(power_kw, dtype=float)
    cost = np.asarray(capex, dtype=float)
    counts = [0] * len(power)
    left = float(q_star_kw)
    for i in np.argsort(cost / power, kind="stable"):
        n_i = math.floor(left / power[i] + 1e-12)
        counts[int(i)] = n_i
        left -= n_i * power[i]
    return float(sum(n * cost[i] for i, n in enumerate(counts))), counts


def bounds_from_q_star(
    q_star_hydraulic_kw: float, catalogue: Catalogue, cost_model: CostModel
) -> LowerBounds:
    """Every bound of this module for a given ``Q*_hyd``."""
    if catalogue.has_curves:
        return _curve_bounds(q_star_hydraulic_kw, catalogue, cost_model)
    h = catalogue.hydraulic_kw
    q_star_kw = q_star_hydraulic_kw / float(catalogue.efficiency.max())
    figures: dict[str, float] = {}
    for objective in OBJECTIVES:
        costs = cost_model.size_costs(catalogue, objective)
        figures[f"{objective}_ratio"] = ratio_bound(q_star_hydraulic_kw, h, costs)
        figures[f"{objective}_knapsack"] = knapsack_bound(q_star_hydraulic_kw, h, costs)
    paper_capex, _ = paper_fill(q_star_kw, catalogue.power_kw, catalogue.capex)
    return LowerBounds(
        q_star_hydraulic_kw=float(q_star_hydraulic_kw),
        q_star_kw=float(q_star_kw),
        paper_capex=paper_capex,
        paper_tco=paper_capex + figures["opex_ratio"],
        **figures,
    )


def _curve_bounds(
    q_star_hydraulic_kw: float, catalogue: Catalogue, cost_model: CostModel
) -> LowerBounds:
    """The bounds that stay valid for a catalogue with curve pumps (module notes)."""
    h = np.array(
        [
            RHO_G * s.curve.max_hydraulic_kw_per_rho_g
            if s.curve is not None
            else s.power_kw * s.efficiency
            for s in catalogue.sizes
        ]
    )
    q_star_kw = q_star_hydraulic_kw / float(catalogue.efficiency.max())
    opex = max(q_star_kw * cost_model.opex_per_kw, 0.0)
    capex_ratio = ratio_bound(q_star_hydraulic_kw, h, catalogue.capex)
    capex_knapsack = knapsack_bound(q_star_hydraulic_kw, h, catalogue.capex)
    return LowerBounds(
        q_star_hydraulic_kw=float(q_star_hydraulic_kw),
        q_star_kw=float(q_star_kw),
        opex_ratio=opex,
        opex_knapsack=opex,
        capex_ratio=capex_ratio,
        capex_knapsack=capex_knapsack,
        tco_ratio=capex_ratio + opex,
        tco_knapsack=capex_knapsack + opex,
        paper_capex=float("nan"),
        paper_tco=float("nan"),
    )


def lower_bounds(problem: PumpProblem, q_star_hydraulic_kw: float | None = None) -> LowerBounds:
    """The bounds for a problem (runs MIN-OPEX unless ``Q*_hyd`` is given)."""
    if q_star_hydraulic_kw is None:
        q_star_hydraulic_kw = continuous_min_boost(problem.tree).q_star_hydraulic_kw
    return bounds_from_q_star(q_star_hydraulic_kw, problem.catalogue, problem.cost_model)


def flag_paper_bound(
    bounds: LowerBounds, objective: Objective, optimum: float, *, rtol: float = 1e-9
) -> str | None:
    """A message when the paper's figure exceeds a proven optimum (else None).

    ``optimum`` must be proved (an optimal MILP, a brute force, or a feasible placement's cost,
    which is at least the optimum: exceeding it is then also a proof).
    """
    paper = bounds.paper(objective)
    if paper > optimum * (1 + rtol) + rtol:
        return (
            f"the paper's {objective} lower bound {paper:.6g} exceeds a proven {objective} "
            f"of {optimum:.6g}: not a valid bound here"
        )
    return None
