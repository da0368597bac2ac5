"""Plans on real looped networks hold on the network as given, by an independent EPANET run."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files

import numpy as np
import pytest

from wdnopt.models.pumps.hydraulics import read_network, simulate
from wdnopt.models.pumps.instance import build_problems
from wdnopt.models.pumps.schema import PumpPlacementScenario
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.network_mode import repair_result, run_network
from wdnopt.solvers.pumps.verify import verify_pumps, with_pumps


def epyt_network(name: str) -> str:
    """Path of a network shipped in the installed epyt package (never copied here)."""
    return str(files("epyt").joinpath("networks", "asce-tf-wdst", f"{name}.inp"))


def problem(network: dict, factor: float):
    (p,) = build_problems(PumpPlacementScenario(network=network, demand_factors=[factor]))
    return p


def independent_pressures(p, pumps) -> dict[str, float]:
    """The user's .inp read again, pumps inserted by wntr, run by EpanetSimulator."""
    wn = read_network(p.network.wn.name if "/" not in str(p.tree.meta["source"])
                      else p.tree.meta["source"])  # fmt: skip
    pumped, _ = with_pumps(wn, pumps, p.catalogue)
    state = simulate(pumped, p.network.factor, p.network.hour)
    return state.pressure.to_dict()


@pytest.mark.parametrize(
    ("network", "factor"),
    [
        ({"shipped": "Net3"}, 3.0),
        ({"shipped": "ky10"}, 2.0),
        ({"shipped": "ky4"}, 3.0),
        ({"shipped": "ky10"}, 1.5),
        # 2,346 junctions; after six rounds the last junctions short need larger sizes on
        # pipes that already hold a pump
        ({"file": epyt_network("ky12")}, 3.0),
    ],
)
def test_network_plans_hold_in_an_independent_run(network: dict, factor: float) -> None:
    p = problem(network, factor)
    assert p.network.deficient(), "the case must start deficient"
    result = run_network(p)
    assert result.has_plan, result.message
    assert result.cost.n_pumps > 0
    pressure = independent_pressures(p, result.pumps)
    low = [n for n in p.network.checked if pressure[n] < p.network.p_min - 5e-3]
    assert low == []
    # the fast check agrees, and every pump runs forward within its head range
    check = verify_pumps(p.network.wn, p.tree, result.pumps, p.catalogue)
    assert check.verified and not check.pump_faults
    for pump in result.pumps:
        name = check.pumps[pump]
        assert check.pump_flow[name] > 0
        assert check.pump_head[name] <= p.catalogue.max_head_m[pump.size] + 5e-3


@pytest.mark.parametrize(
    ("network", "factor"), [({"shipped": "Net3"}, 1.5), ({"file": epyt_network("Anytown")}, 2.5)]
)
def test_no_deficit_means_no_pumps(network: dict, factor: float) -> None:
    p = problem(network, factor)
    # no deficit by the independent route too (EpanetSimulator on the file read again)
    pressure = independent_pressures(p, ())
    assert min(pressure[n] for n in p.network.checked) >= p.network.p_min
    assert not p.network.deficient()
    result = run_network(p)
    assert result.cost.n_pumps == 0 and result.objective == 0.0


def test_idle_pump_station_nodes_never_block() -> None:
    """ky10 has pump stations whose suction and discharge nodes are never checked."""
    p = problem({"shipped": "ky10"}, 1.5)
    wn = p.network.wn
    for _, pump in wn.pumps():
        for node in (pump.start_node_name, pump.end_node_name):
            assert node not in p.network.checked
    assert run_network(p).has_plan


def test_no_pump_above_its_maximum_head() -> None:
    """A pipe carrying almost no flow would give a constant-power pump an absurd head: no
    model may use it, and the checker refuses it."""
    p = problem({"shipped": "Net3"}, 1.0)
    tree = p.tree
    wet = np.flatnonzero(tree.flow > 0)
    v = int(wet[np.argmin(tree.flow[wet])])
    raw = p.catalogue.hydraulic_kw / (9.80665 * tree.flow[v])
    over = raw > p.catalogue.max_head_m
    assert over.any()
    assert np.all(p.head_gain[v, over] == 0)
    k = int(np.flatnonzero(over)[0])
    assert v in check_placement(tree, {v: k}, p.catalogue).invalid_pipes


def test_threads_share_a_network_without_corrupting_it() -> None:
    wn = read_network("Net3")
    serial = [simulate(wn, f).pressure for f in (1.0, 1.5, 2.0, 2.5)] * 3
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda f: simulate(wn, f).pressure, [1.0, 1.5, 2.0, 2.5] * 3))
    for a, b in zip(serial, parallel, strict=True):
        assert np.array_equal(a.to_numpy(), b.to_numpy())
    assert (
        wn.options.hydraulic.demand_multiplier
        == read_network("Net3").options.hydraulic.demand_multiplier
    )


GA_QUICK = {"population": 20, "generations": 15}


@pytest.mark.parametrize("name", ["tree-dp", "milp", "approx-pump", "tree-pump", "ga"])
def test_every_algorithm_with_the_repair_holds_on_the_network(name: str) -> None:
    p = problem({"shipped": "Net3"}, 2.5)
    algorithm = registry.get(name)
    raw = algorithm.run(p, algorithm.make_options(GA_QUICK if name == "ga" else {}))
    result = repair_result(p, raw)
    assert result.has_plan, result.message
    assert result.status != "optimal" and result.bound is None  # no proof on a looped network
    pressure = independent_pressures(p, result.pumps)
    assert [n for n in p.network.checked if pressure[n] < p.network.p_min - 5e-3] == []
    assert result.extras["start_cost"] == raw.objective


def test_solve_exits_non_zero_when_the_plan_does_not_hold(
    tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The tree DP's plan on the flow-tree model, not repaired, fails on looped Net3."""
    path = tmp_path / "net3.toml"
    path.write_text(
        'kind = "pump_placement"\ndemand_factors = [2.5]\nrepair = false\n'
        '[network]\nshipped = "Net3"\n',
        encoding="utf-8",
    )
    code = main(["solve", str(path), "--algorithm", "tree-dp"])
    out = capsys.readouterr().out
    assert code == 1
    assert "does NOT hold on the network" in out and "short of P_min" in out


def test_all_junctions_on_request() -> None:
    wn = read_network("ky10")
    demand = problem({"shipped": "ky10"}, 1.5).network
    (every,) = build_problems(
        PumpPlacementScenario(network={"shipped": "ky10"}, demand_factors=[1.5], checked="all")
    )
    assert demand.checked < every.network.checked
    for name in set(wn.junction_name_list) - every.network.checked:
        assert name in every.network.excluded


def test_ga_never_keeps_a_pump_above_its_maximum_head() -> None:
    """A gene of a size out of range on its pipe adds no head: the GA's plan leaves it out
    rather than failing its own check."""
    p = problem({"shipped": "ky4"}, 3.0)
    algorithm = registry.get("ga")
    result = algorithm.run(p, algorithm.make_options(GA_QUICK))
    assert result.has_plan, result.message
    assert result.check.feasible and len(result.check.invalid_pipes) == 0
