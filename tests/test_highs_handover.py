"""The compiled hand-over (:class:`CompiledHighs`) against a hand-solved LP and against Pyomo's
persistent HiGHS interface on the same models: objective, values, duals, reduced costs, status."""

from __future__ import annotations

import numpy as np
import pyomo.environ as pyo
import pytest

from wdnopt.solvers.highs import CompiledHighs, make_highs, solve_with_highs
from wdnopt.solvers.status import Status


def small_lp(sense: int = pyo.minimize) -> pyo.ConcreteModel:
    """min 2x + 3y + 1  s.t.  x + y >= 4,  1 <= x - y <= 2 (ranged),  0 <= x <= 10,  y >= 0.

    By hand: y costs more than x, so x is as large as the band allows: x - y = 2 and
    x + y = 4, so x = 3, y = 1, objective 6 + 3 + 1 = 10. Duals u (cover) and w (band) from the
    reduced costs of the basic x and y: 2 = u + w, 3 = u - w, so u = 2.5, w = -0.5."""
    m = pyo.ConcreteModel(name="small")
    m.x = pyo.Var(bounds=(0, 10))
    m.y = pyo.Var(domain=pyo.NonNegativeReals)
    m.cover = pyo.Constraint(expr=m.x + m.y >= 4)
    m.band = pyo.Constraint(expr=pyo.inequality(1, m.x - m.y, 2))
    m.obj = pyo.Objective(expr=2 * m.x + 3 * m.y + 1, sense=sense)
    return m


def test_hand_solved_lp() -> None:
    m = small_lp()
    report, sens = solve_with_highs(m, solver=CompiledHighs(), duals=True)
    assert report.status is Status.OPTIMAL
    assert report.objective == pytest.approx(10.0)
    assert report.bound == pytest.approx(10.0)
    assert pyo.value(m.x) == pytest.approx(3.0)
    assert pyo.value(m.y) == pytest.approx(1.0)
    assert sens is not None
    assert sens.duals[m.cover] == pytest.approx(2.5)
    assert sens.duals[m.band] == pytest.approx(-0.5)


def _both(build, *, duals: bool = True) -> tuple:
    out = []
    for solver in (CompiledHighs(), make_highs()):
        m = build()
        report, sens = solve_with_highs(m, solver=solver, duals=duals)
        values = {v.name: v.value for v in m.component_data_objects(pyo.Var)}
        duals = {c.name: y for c, y in (sens.duals.items() if sens else [])}
        rcs = {v.name: y for v, y in (sens.reduced_costs.items() if sens else [])}
        out.append((report, values, duals, rcs))
    return tuple(out)


def random_lp(seed: int) -> pyo.ConcreteModel:
    """A feasible random LP with ≤, ≥, = and ranged rows, free and bounded columns, a fixed
    variable and a maximised objective."""
    rng = np.random.default_rng(seed)
    n, k = 12, 9
    a = np.round(rng.uniform(-1, 3, (k, n)), 2) * (rng.random((k, n)) < 0.6)
    x0 = rng.uniform(0, 2, n)  # a feasible point
    m = pyo.ConcreteModel(name=f"random {seed}")
    m.x = pyo.Var(range(n), bounds=(0, 5))
    m.x[0].setlb(None)
    m.x[0].setub(None)
    m.x[1].fix(float(x0[1]))
    body = [sum(float(a[i, j]) * m.x[j] for j in range(n)) for i in range(k)]
    rhs = a @ x0
    m.c = pyo.ConstraintList()
    for i in range(k):
        kind = i % 4
        if kind == 0:
            m.c.add(body[i] <= rhs[i] + 1)
        elif kind == 1:
            m.c.add(body[i] >= rhs[i] - 1)
        elif kind == 2:
            m.c.add(body[i] == rhs[i])
        else:
            m.c.add(pyo.inequality(rhs[i] - 0.5, body[i], rhs[i] + 0.5))
    m.c.add(m.x[0] >= -3)
    m.c.add(m.x[0] <= 4)
    cost = rng.uniform(-1, 1, n)
    m.obj = pyo.Objective(expr=sum(float(cost[j]) * m.x[j] for j in range(n)), sense=pyo.maximize)
    return m


@pytest.mark.parametrize("seed", range(6))
def test_random_lps_agree_with_the_persistent_interface(seed: int) -> None:
    (r1, v1, d1, c1), (r2, v2, d2, c2) = _both(lambda: random_lp(seed))
    assert r1.status is r2.status is Status.OPTIMAL
    assert r1.objective == pytest.approx(r2.objective, rel=1e-9, abs=1e-9)
    # the duals price the same optimum (the primal point may differ where it is not unique)
    for name, y in d2.items():
        assert d1.get(name, 0.0) == pytest.approx(y, abs=1e-7), name
    for name, y in c2.items():
        assert c1.get(name, 0.0) == pytest.approx(y, abs=1e-7), name
    assert v1["x[1]"] == v2["x[1]"]  # the fixed variable keeps its value


def test_milp_agrees_and_reports_its_bound() -> None:
    def build() -> pyo.ConcreteModel:  # a knapsack of 5 items, enumerated below
        m = pyo.ConcreteModel(name="knapsack")
        w, p = [4, 3, 5, 2, 6], [7, 4, 9, 3, 10]
        m.z = pyo.Var(range(5), domain=pyo.Binary)
        m.cap = pyo.Constraint(expr=sum(w[i] * m.z[i] for i in range(5)) <= 11)
        m.obj = pyo.Objective(expr=sum(p[i] * m.z[i] for i in range(5)), sense=pyo.maximize)
        return m

    (r1, v1, _, _), (r2, _, _, _) = _both(build, duals=False)
    w, p = [4, 3, 5, 2, 6], [7, 4, 9, 3, 10]
    best = max(
        sum(p[i] for i in range(5) if mask >> i & 1)
        for mask in range(32)
        if sum(w[i] for i in range(5) if mask >> i & 1) <= 11
    )
    assert r1.status is Status.OPTIMAL
    assert r1.objective == pytest.approx(best) == pytest.approx(r2.objective)
    assert r1.bound == pytest.approx(best)
    assert all(v in (0.0, 1.0) for v in (round(x, 9) for x in v1.values()))


def test_infeasible_both_ways() -> None:
    def rows() -> pyo.ConcreteModel:
        m = pyo.ConcreteModel(name="rows")
        m.x = pyo.Var(bounds=(0, 1))
        m.c = pyo.Constraint(expr=m.x >= 2)
        m.obj = pyo.Objective(expr=m.x)
        return m

    def constant() -> pyo.ConcreteModel:  # a row with no variable left: 0 == 1
        m = pyo.ConcreteModel(name="constant")
        m.x = pyo.Var(bounds=(0, 1))
        m.x.fix(0)
        m.c = pyo.Constraint(expr=m.x == 1)
        m.obj = pyo.Objective(expr=m.x)
        return m

    for build in (rows, constant):
        report, _ = solve_with_highs(build(), solver=CompiledHighs())
        assert report.status is Status.INFEASIBLE, build.__name__
        assert report.objective is None


def test_time_limit_clock_counts_runs_so_far_for_an_lp_only() -> None:
    """HiGHS bounds an LP's run by its instance's clock, which runs on across runs, but a
    MIP's by the run itself: the extra seconds handed to HiGHS are the clock for an LP, 0 for
    a MIP (else a re-solved MIP ran its own time on top of every earlier run's)."""
    from wdnopt.solvers.highs import _clock

    lp = small_lp()
    solver = make_highs()
    solve_with_highs(lp, solver=solver)
    assert _clock(solver, lp) == pytest.approx(solver._solver_model.getRunTime())
    assert _clock(solver, lp) > 0
    mip = small_lp()
    mip.x.domain = pyo.Integers
    solver = make_highs()
    solve_with_highs(mip, solver=solver)
    assert solver._solver_model.getRunTime() > 0
    assert _clock(solver, mip) == 0.0
    assert _clock(make_highs(), lp) == 0.0  # a new instance
