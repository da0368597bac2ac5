"""Pump sizes with head curves: the catalogue, the tree model against EPANET, the exact methods
against brute force, and a network whose pipes carry under 1 L/s."""

from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import CURVE_CATALOGUE, load_catalogue
from wdnopt.models.pumps.costs import RHO_G, Catalogue, CostModel, PumpSize, check_catalogue
from wdnopt.models.pumps.curves import (
    EPANET_SHUTOFF_RATIO,
    one_point_curve,
    three_point_curve,
)
from wdnopt.models.pumps.generator import generate_tree
from wdnopt.models.pumps.hydraulics import read_network
from wdnopt.models.pumps.instance import tree_instance
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.bounds import lower_bounds
from wdnopt.solvers.pumps.brute_force import brute_force
from wdnopt.solvers.pumps.continuous_boost import continuous_min_boost
from wdnopt.solvers.pumps.dp_certificate import check_certificate
from wdnopt.solvers.pumps.verify import verify_placement, verify_placement_simulator

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"

# --- the catalogue and the curve ---------------------------------------------------------------


def test_one_point_curve_is_epanets() -> None:
    """Shut-off 1.33334·H_d, the design point on the curve, zero head at 2·Q_d, h = A − B q²."""
    c = one_point_curve(2.0, 30.0)
    assert c.a == pytest.approx(EPANET_SHUTOFF_RATIO * 30.0)
    assert c.c == pytest.approx(2.0, abs=1e-4)
    assert c.head(0.002) == pytest.approx(30.0, abs=1e-9)
    assert c.max_flow_lps == pytest.approx(4.0)
    assert c.b == pytest.approx(c.a / 4.0**c.c)


def test_three_point_curve_passes_through_its_points() -> None:
    points = ((0.0, 55.0), (8.0, 45.0), (14.0, 20.0))
    c = three_point_curve(points)
    for q, h in points:
        assert c.head(q / 1000) == pytest.approx(h, abs=1e-9)
    assert c.c == pytest.approx(math.log(35 / 10) / math.log(14 / 8))


def test_shipped_curve_catalogue() -> None:
    cat = load_catalogue(CURVE_CATALOGUE)
    assert cat.is_curve.all() and len(cat) == 6
    assert np.allclose(cat.max_head_m, [s.curve.a for s in cat.sizes])
    # each motor rating covers its curve's largest power
    for s in cat.sizes:
        assert RHO_G * s.curve.max_hydraulic_kw_per_rho_g / s.efficiency <= s.power_kw
    # the smallest size runs at 0.3 L/s, where every constant-power size is above its head
    assert cat.head_at(np.array([0.0003]))[0, 0] > 20
    constant = load_catalogue()
    assert (constant.head_at(np.array([0.0003])) == 0).all()


HEADER = "name,power_kw,capex,efficiency,max_head_m,design_flow_lps,design_head_m,q1_lps,h1_m,"
HEADER += "q2_lps,h2_m,q3_lps,h3_m\n"


ONE = "design_flow_lps, design_head_m"
"""The field of a rule about a design point as a whole."""
THREE = "q1_lps, h1_m, q2_lps, h2_m, q3_lps, h3_m"
"""The field of a rule about three curve points as a whole."""


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("A,1,100,0.5,,1,-3,,,,,,", ONE, "positive shut-off head"),
        ("A,1,100,0.5,,1,,,,,,,", "design_head_m", "a head curve needs"),
        (
            "A,1,100,0.5,,,,1,50,8,45,14,20",
            THREE,
            "first point at zero flow",
        ),
        (
            "A,1,100,0.5,,,,0,50,8,55,14,20",
            THREE,
            "heads falling",
        ),
        (
            "A,1,100,0.5,,,,0,50,8,45,6,20",
            THREE,
            "flows rising",
        ),
        ("A,1,100,0.5,,1,20,0,50,8,45,14,20", "q1_lps", "not both"),
        ("A,1,100,0.5,30,1,20,,,,,,", "max_head_m", "shut-off head"),
        (
            "A,1,100,0.5,,1e200,20,,,,,,",
            ONE,
            "flows and heads of a pump's size",
        ),
        ("A,0.1,100,0.5,,1,20,,,,,,", "power_kw", "rated power covering"),
    ],
)
def test_bad_curves_name_file_row_and_field(
    tmp_path: Path, row: str, field: str, words: str
) -> None:
    path = tmp_path / "cat.csv"
    path.write_text(HEADER + "B,1,100,0.5,20,,,,,,,,\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(path)
    (problem,) = err.value.problems
    assert problem.field == field and problem.row == 2 and problem.file == str(path)
    assert words in problem.expected


def test_constant_power_catalogue_costs_unchanged(make_small) -> None:
    """For constant-power sizes every row of the node cost matrix is ``size_costs``."""
    problem = make_small(3)
    assert not problem.catalogue.has_curves
    assert (problem.node_costs == problem.size_costs[None, :]).all()
    placement = {int(problem.tree.candidates[0]): 1}
    assert problem.price(placement).total_kw == problem.catalogue.power_kw[1]


# --- curve pumps on trees: the tree model, EPANET, the exact methods ---------------------------


def curve_catalogue_for(flows: np.ndarray, seed: int) -> Catalogue:
    """Three curve sizes (one-point and three-point) around the tree's flows, and one
    constant-power size: a mixed catalogue."""
    rng = np.random.default_rng(seed)
    q = float(np.median(flows[flows > 0])) * 1000  # L/s
    sizes = []
    for i, (design_q, design_h) in enumerate(((0.6 * q, 12.0), (1.2 * q, 25.0))):
        curve = one_point_curve(design_q, design_h + rng.uniform(0, 5))
        sizes.append(_size(f"C{i}", curve, 0.55 + 0.1 * i, 3000 + 2000 * i))
    curve = three_point_curve(((0.0, 55.0), (1.5 * q, 45.0), (3 * q, 20.0)))
    sizes.append(_size("C3", curve, 0.7, 9000))
    sizes.append(PumpSize("K", 30.0, 7000, 0.6, 40.0))
    return check_catalogue(sizes)


def _size(name: str, curve, efficiency: float, capex: float) -> PumpSize:
    rating = 1.2 * RHO_G * curve.max_hydraulic_kw_per_rho_g / efficiency
    return PumpSize(name, rating, capex, efficiency, curve.a, curve)


def test_curve_heads_and_costs_on_a_tree(make_small) -> None:
    problem = make_small(1)
    cat = curve_catalogue_for(problem.tree.flow, 1)
    p = dataclasses.replace(problem, catalogue=cat, objective="opex")
    q = p.tree.flow
    v = int(p.tree.candidates[0])
    for k, s in enumerate(cat.sizes[:3]):
        h = s.curve.head(q[v])
        assert p.head_gain[v, k] == pytest.approx(max(h, 0.0))
        if h > 0:
            power = RHO_G * q[v] * h / s.efficiency
            assert p.node_costs[v, k] == pytest.approx(power * CostModel().opex_per_kw)
            assert p.price({v: k}).opex == pytest.approx(p.node_costs[v, k])
    # the constant-power size costs the same everywhere
    assert np.ptp(p.node_costs[:, 3]) == 0


@pytest.mark.parametrize("objective", ["tco", "opex", "capex"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_exact_methods_match_brute_force_with_curves(make_small, seed: int, objective) -> None:
    base = make_small(seed, objective, n=8)
    problem = dataclasses.replace(base, catalogue=curve_catalogue_for(base.tree.flow, seed))
    enumerated = brute_force(problem)
    dp = registry.get("tree-dp").run(problem, None)
    milp = registry.get("milp").run(problem, None)
    if enumerated.cost is None:
        assert not dp.status.has_solution and not milp.status.has_solution
        return
    assert dp.objective == pytest.approx(enumerated.cost, rel=1e-9)
    assert milp.objective == pytest.approx(enumerated.cost, rel=1e-6)
    verdict = check_certificate(problem, dp.extras["dp_certificate"])
    assert verdict.holds and verdict.lower_bound == pytest.approx(enumerated.cost, rel=1e-9)
    for name in ("approx-pump", "tree-pump", "ga"):
        heuristic = registry.get(name).run(problem, None)
        if heuristic.status.has_solution:
            assert heuristic.check.feasible
            assert heuristic.objective >= enumerated.cost * (1 - 1e-9)
    bound = lower_bounds(problem, continuous_min_boost(problem.tree).q_star_hydraulic_kw)
    assert bound.valid(objective) <= enumerated.cost * (1 + 1e-9)


def random_curve_placement(tree, catalogue, rng, count: int) -> dict[int, int]:
    gains = tree.head_gain(catalogue)
    options = [(int(v), k) for v in tree.candidates for k in range(len(catalogue))
               if 0 < gains[v, k] <= 60]  # fmt: skip
    placement: dict[int, int] = {}
    for i in rng.choice(len(options), size=min(count, len(options)), replace=False):
        placement.setdefault(*options[i])
    return placement


def test_epanet_agrees_with_the_tree_model_for_curve_pumps() -> None:
    """Random curve-pump plans on the generated 100-node tree: EPANET's pressures (both
    engines) are the model's ``p_v + h_k(q_v)`` sums within 0.01 m, as for constant power."""
    wn = read_network(DATA / "tree_100.inp")
    catalogue = load_catalogue(CURVE_CATALOGUE)
    tree = tree_instance(wn, 2.6)
    rng = np.random.default_rng(11)
    wet = tree.checked & (tree.flow > 0)
    for trial in range(4):
        placement = random_curve_placement(tree, catalogue, rng, count=4)
        assert placement
        linear = check_placement(tree, placement, catalogue)
        engines = [verify_placement(wn, tree, placement, catalogue)]
        if trial == 0:
            engines.append(verify_placement_simulator(wn, tree, placement, catalogue))
        for result in engines:
            assert np.max(np.abs(result.pressure[wet] - linear.pressure[wet])) < 0.01
            assert result.max_model_error < 0.01
            assert not result.pump_faults
            for pump, name in result.pumps.items():
                v = list(tree.pipe_names).index(pump.pipe)
                expected = catalogue.sizes[pump.size].curve.head(tree.flow[v])
                assert result.pump_head[name] == pytest.approx(expected, abs=0.01)


def test_tree_dp_plan_with_curve_pumps_holds_in_epanet() -> None:
    wn = read_network(DATA / "tree_100.inp")
    tree = tree_instance(wn, 2.6)
    problem = PumpProblem(tree, load_catalogue(CURVE_CATALOGUE), CostModel(), "tco")
    result = registry.get("tree-dp").run(problem, None)
    assert result.status.has_solution and result.placement
    check = verify_placement(wn, tree, dict(result.placement), problem.catalogue)
    assert check.verified and check.max_model_error < 0.01
    assert result.cost.tco == pytest.approx(result.objective)


def test_a_curve_pump_beyond_its_curve_is_a_fault() -> None:
    wn = read_network(DATA / "tree_100.inp")
    tree = tree_instance(wn, 2.6)
    catalogue = load_catalogue(CURVE_CATALOGUE)
    v = int(np.argmax(np.where(tree.parent >= 0, tree.flow, 0)))  # the largest flow
    assert tree.flow[v] > catalogue.sizes[0].curve.max_flow
    result = verify_placement(wn, tree, {v: 0}, catalogue)
    assert not result.verified
    assert any("beyond" in fault for fault in result.pump_faults)


# --- pipes under 1 L/s: constant power has no plan, curve pumps do -----------------------------


def test_pipes_under_one_litre_a_second() -> None:
    """A generated 5-junction tree, its reservoir 35 m lower (a high-lying district): every
    pipe carries under 1 L/s, so every constant-power size would run above its maximum head
    (tree-dp: infeasible); the curve catalogue gives a plan that holds in EPANET."""
    wn = generate_tree(5, 1)
    reservoir = next(iter(wn.reservoirs()))[1]
    reservoir.base_head = reservoir.base_head - 35.0
    tree = tree_instance(wn, 1.0)
    assert tree.deficient.any()
    assert tree.flow.max() < 1e-3
    constant = PumpProblem(tree, load_catalogue(), CostModel(), "tco")
    assert (constant.head_gain[tree.candidates] == 0).all()
    answer = registry.get("tree-dp").run(constant, None)
    assert not answer.status.has_solution
    curved = PumpProblem(tree, load_catalogue(CURVE_CATALOGUE), CostModel(), "tco")
    plan = registry.get("tree-dp").run(curved, None)
    assert plan.status.has_solution and plan.placement
    check = verify_placement_simulator(wn, tree, dict(plan.placement), curved.catalogue)
    assert check.verified and check.min_margin >= -1e-6
    assert check.max_model_error < 0.01


# --- the network side: milp-network and the algorithms that repair on the network take curve pumps


def curve_scenario(tmp_path: Path, extra: str = "") -> Path:
    path = tmp_path / "curves.toml"
    path.write_text(
        f'kind = "pump_placement"\ndemand_factors = [2.6]\ncatalogue = "{CURVE_CATALOGUE}"\n'
        f'{extra}[network]\nfile = "{DATA / "tree_100.inp"}"\n',
        encoding="utf-8",
    )
    return path


def test_milp_network_takes_curve_catalogues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``milp-network`` places curve pumps (its relaxation models their curves): on a tree its
    plan holds in EPANET and its bound is below its cost."""
    path = curve_scenario(tmp_path, "[options.milp-network]\ntime_limit = 30\n")
    assert main(["solve", str(path), "--algorithm", "milp-network", "--json"]) == 0
    (factor,) = json.loads(capsys.readouterr().out)["factors"]
    assert factor["verified"] is True
    assert factor["status"] in ("optimal", "time_limit")


@pytest.mark.parametrize("algorithm", [None, "tree-dp"])  # network-dp; tree-dp with the repair
def test_network_side_takes_curve_catalogues(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], algorithm: str | None
) -> None:
    args = ["solve", str(curve_scenario(tmp_path)), "--json"]
    args += ["--algorithm", algorithm] if algorithm else []
    assert main(args) == 0
    (factor,) = json.loads(capsys.readouterr().out)["factors"]
    assert factor["verified"] is True


def test_solve_with_curve_pumps_and_no_repair(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = curve_scenario(tmp_path, "repair = false\n")
    assert main(["solve", str(path), "--algorithm", "tree-dp", "--json"]) == 0
    (factor,) = json.loads(capsys.readouterr().out)["factors"]
    assert factor["status"] == "optimal" and factor["verified"] is True


def test_a_constant_size_without_its_maximum_head_is_named_in_a_mixed_catalogue(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A curve pump first and a constant-power size without ``max_head_m`` after it: the
    constant size gets the default maximum head, and the warning names it (the warning used to
    look at the first row only)."""
    path = tmp_path / "mixed.csv"
    path.write_text(
        "name,power_kw,capex,efficiency,max_head_m,design_flow_lps,design_head_m\n"
        "C1,2,5000,0.5,,2,30\n"
        "P3,3,8750,0.62,,,\n"
        "P7,7.5,13010,0.68,36,,\n"
    )
    with caplog.at_level("WARNING", logger="wdnopt.models.pumps.catalogue"):
        catalogue = load_catalogue(path)
    assert catalogue.max_head_m.tolist()[1:] == [60.0, 36.0]
    (warning,) = [r.getMessage() for r in caplog.records]
    assert "P3" in warning and "P7" not in warning and "C1" not in warning
