"""Curves that another one covers keep a visible marker and a legend entry, in every figure
that draws lines on shared axes: asserted on the matplotlib artists, not on pixels."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from wdnopt.solvers.harness.plotting import HIDDEN_GID, mark_hidden_lines
from wdnopt.solvers.pumps.sweep.figures import cost_figure


def _hidden(ax) -> dict[str, np.ndarray]:
    return {
        c.get_label(): np.asarray(c.get_offsets())
        for c in ax.collections
        if c.get_gid() == HIDDEN_GID
    }


def _legend(ax) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_a_line_under_another_is_marked_and_named() -> None:
    fig = Figure()
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    x = [1.0, 2.0, 3.0]
    ax.plot(x, [1, 2, 3], label="a", marker="s")
    ax.plot(x, [1, 2, 3], label="b", lw=3, zorder=5)  # over a everywhere
    ax.plot(x, [1, 2, 4], label="c")  # meets b at two points only: visible
    ax.plot([1.0, 2.0], [1, 2], label="d")  # under b over its whole length
    ax.axhline(2.0, label="level")  # in axes coordinates: never counted
    labels = mark_hidden_lines(ax)
    assert labels == ["a (under b)", "d (under b)"]
    marks = _hidden(ax)
    np.testing.assert_allclose(marks["a (under b)"], [[1, 1], [2, 2], [3, 3]])
    np.testing.assert_allclose(marks["d (under b)"], [[1, 1], [2, 2]])
    ax.legend()
    assert {"a (under b)", "d (under b)", "c"} <= set(_legend(ax))
    top = max(line.get_zorder() for line in ax.get_lines())
    assert all(c.get_zorder() > top for c in ax.collections if c.get_gid() == HIDDEN_GID)


def _pump_sweep() -> pd.DataFrame:
    """Three algorithms at three factors: the GA finds the MILP's optimum everywhere (its line
    lies under the MILP's), approx-pump costs more."""
    rows = []
    for factor, optimum in ((2.0, 100.0), (2.5, 150.0), (3.0, 240.0)):
        for algorithm, cost in (("milp", optimum), ("ga", optimum), ("approx-pump", 1.2 * optimum)):
            rows.append(
                dict(
                    network="tree_100",
                    objective="tco",
                    algorithm=algorithm,
                    demand_factor=factor,
                    seed=0,
                    cost=cost,
                    status="optimal",
                    bound=np.nan,
                    paper_bound=np.nan,
                )
            )
    return pd.DataFrame(rows)


def test_heuristic_at_the_optimum_is_visible_in_the_cost_figure() -> None:
    fig = cost_figure(_pump_sweep(), "tree_100")
    (ax,) = fig.axes
    marks = _hidden(ax)
    assert list(marks) == ["ga (under MILP optimum)"]
    np.testing.assert_allclose(marks["ga (under MILP optimum)"][:, 1], [100, 150, 240])
    assert "ga (under MILP optimum)" in _legend(ax)


def test_idle_plant_and_equal_storage_levels_in_the_day_figure() -> None:
    from tests.routing.conftest import solve_dict
    from wdnopt.solvers.routing.plot import day_figure

    # two periods; C is dearer than P and never runs; two tanks with the same levels (full,
    # nothing drawn from either) would hide one another
    result = solve_dict(
        {
            "sources": [{"id": "S", "capacity": 100}],
            "plants": [
                {"id": "P", "capacity": 100, "treatment_cost": 1},
                {"id": "C", "capacity": 100, "treatment_cost": 9},
            ],
            "zones": [{"id": "Z", "demand": 24}],
            "storages": [
                {"id": "R1", "capacity": 5, "start": 5},
                {"id": "R2", "capacity": 5, "start": 5},
            ],
            "arcs": [
                {"from": "S", "to": "P"},
                {"from": "S", "to": "C"},
                {"from": "P", "to": "Z"},
                {"from": "C", "to": "Z"},
                {"from": "R1", "to": "Z", "cost": 50},
                {"from": "R2", "to": "Z", "cost": 50},
            ],
            "schedule": {"periods": 2},
        }
    )
    fig = day_figure(result)
    top, levels = fig.axes[0], fig.axes[1]
    assert "C (idle)" in _legend(top) and "P" in _legend(top)
    assert list(_hidden(levels)) == ["R1 (under R2)"]
    assert "R1 (under R2)" in _legend(levels)
