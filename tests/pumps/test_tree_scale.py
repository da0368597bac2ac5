"""The tree DP on the boost grid, its certificate, the report of a long plan, one EPANET run.

Independent routes: brute force and the node-by-node DP in metres for the optimum, the linear
checker and the one cost function for the plan, the tables perturbed for the certificate, the
CSV and JSON for the report, EPANET itself for the check.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.pumps.costs import CostModel
from wdnopt.models.pumps.problem import PumpProblem
from wdnopt.models.pumps.random_tree import random_catalogue, random_tree_instance
from wdnopt.models.pumps.tree import check_placement
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.cli.pump_report import MAX_PUMP_ROWS
from wdnopt.solvers.pumps.brute_force import brute_force
from wdnopt.solvers.pumps.dp_certificate import DpCertificate, check_certificate
from wdnopt.solvers.pumps.exact import MILP_CHECK_NODES, certify, cross_check
from wdnopt.solvers.pumps.result import make_result
from wdnopt.solvers.pumps.tree_dp import run_tree_dp, solve_tree_dp, solve_tree_dp_steps
from wdnopt.solvers.status import Status

from .conftest import small_problem


def problem_of(n: int, seed: int, p_max: float | None = None) -> PumpProblem:
    tree = random_tree_instance(n, seed, branching=0.1 + 0.15 * (seed % 5), p_max=p_max)
    return PumpProblem(tree, random_catalogue(5, seed), CostModel(), "tco")


@pytest.mark.parametrize("seed", range(8))
def test_grid_dp_is_the_brute_force_optimum(seed: int) -> None:
    problem = small_problem(seed, n=9)
    if seed % 2:  # a ceiling just above the highest pressure: some plans break it
        tree = problem.tree
        problem = dataclasses.replace(
            problem, tree=dataclasses.replace(tree, p_max=float(tree.pressure.max()) + 8.0)
        )
    exact = brute_force(problem)
    dp = solve_tree_dp(problem)
    if exact.cost is None:
        assert not np.isfinite(dp.cost)
        return
    assert dp.cost == pytest.approx(exact.cost, rel=1e-9)
    assert check_placement(problem.tree, dp.placement, problem.catalogue).feasible


@pytest.mark.parametrize("seed", range(6))
def test_grid_dp_matches_the_dp_in_metres(seed: int) -> None:
    problem = problem_of(2_000, seed, p_max=None if seed % 3 else 60.0)
    grid, steps = solve_tree_dp(problem), solve_tree_dp_steps(problem)
    assert grid.cost == pytest.approx(steps.cost, rel=1e-9)
    if np.isfinite(grid.cost):
        assert check_placement(problem.tree, grid.placement, problem.catalogue).feasible
        priced = float(sum(problem.size_costs[k] for k in grid.placement.values()))
        assert priced == pytest.approx(grid.cost, rel=1e-9)


@pytest.fixture(scope="module")
def solved() -> tuple[PumpProblem, object]:
    problem = problem_of(3_000, 11)
    return problem, run_tree_dp(problem)


def test_certificate_proves_the_dp_optimum(solved) -> None:
    problem, result = solved
    assert result.status is Status.OPTIMAL
    verdict = check_certificate(problem, result.extras["dp_certificate"])
    assert verdict.holds, verdict.reason
    assert verdict.lower_bound == pytest.approx(result.objective, rel=1e-9)
    proved = certify(problem, result)
    assert proved is not None and proved.bound == pytest.approx(result.objective, rel=1e-9)
    assert "dp_certificate" not in proved.extras


def test_a_raised_table_value_is_caught(solved) -> None:
    problem, result = solved
    cert = result.extras["dp_certificate"]
    finite = np.flatnonzero(np.isfinite(cert.value) & (cert.value > 0))
    for i in finite[:: max(1, len(finite) // 5)]:
        value = cert.value.copy()
        value[i] += 1.0  # F_v above the option that attains it: an inequality breaks
        verdict = check_certificate(problem, DpCertificate(cert.key, value))
        assert not verdict.holds and "above" in verdict.reason


def test_lowered_tables_prove_no_optimum(solved) -> None:
    problem, result = solved
    cert = result.extras["dp_certificate"]
    lowered = DpCertificate(cert.key, cert.value * 0.9)  # still lower bounds, or broken
    verdict = check_certificate(problem, lowered)
    assert not verdict.holds or verdict.lower_bound < result.objective * (1 - 1e-3)
    wrong = dataclasses.replace(
        result, extras=type(result.extras)({**result.extras, "dp_certificate": lowered})
    )
    assert certify(problem, wrong) is None


def test_a_dearer_plan_is_not_certified(solved) -> None:
    problem, result = solved
    placement = dict(result.placement)
    cat = problem.catalogue
    heads = problem.head_gain
    # one pump one size up (dearer, still feasible: heads only grow)
    v, k = next((v, k) for v, k in placement.items() if k + 1 < len(cat) and heads[v, k + 1] > 0)
    placement[v] = k + 1
    dearer = make_result(
        problem,
        "tree-dp",
        Status.OPTIMAL,
        placement,
        extras=dict(result.extras),
    )
    assert dearer.check.feasible and dearer.objective > result.objective
    assert certify(problem, dearer) is None


def test_malformed_tables_are_refused(solved) -> None:
    problem, result = solved
    cert = result.extras["dp_certificate"]
    shuffled = DpCertificate(cert.key[::-1].copy(), cert.value[::-1].copy())
    assert not check_certificate(problem, shuffled).holds
    first = np.ones(cert.key.size, dtype=bool)
    first[1:] = (cert.key[1:] >> 41) != (cert.key[:-1] >> 41)
    drop = np.flatnonzero(first)[0]  # a node's table without its start at boost 0
    keep = np.ones(cert.key.size, dtype=bool)
    keep[drop] = False
    if cert.key[drop + 1] >> 41 == cert.key[drop] >> 41:
        verdict = check_certificate(problem, DpCertificate(cert.key[keep], cert.value[keep]))
        assert not verdict.holds


def test_a_large_tree_is_proved_by_its_certificate_alone() -> None:
    problem = problem_of(MILP_CHECK_NODES + 1_000, 3)
    answer = cross_check(problem, run_tree_dp(problem))
    assert answer.status is Status.OPTIMAL
    assert "certificate proves" in answer.message and "milp" not in answer.message
    assert answer.bound == pytest.approx(answer.objective, rel=1e-9)


def write_scenario(tmp_path: Path, nodes: int) -> Path:
    path = tmp_path / "tree.toml"
    path.write_text(
        'kind = "pump_placement"\nname = "generated"\ndemand_factors = [2.5]\n'
        f'objective = "tco"\n\n[network]\ngenerator = {{ nodes = {nodes}, seed = 1 }}\n',
        encoding="utf-8",
    )
    return path


def test_a_long_plan_is_cut_in_the_report_and_whole_in_out_and_json(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = write_scenario(tmp_path, 4_000)
    out = tmp_path / "out"
    code = main(["solve", str(path), "--algorithm", "tree-dp", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    csv = (out / "pumps_2.5.csv").read_text(encoding="utf-8").splitlines()
    total = len(csv) - 1
    assert total > MAX_PUMP_ROWS
    rows = [line for line in text.splitlines() if re.match(r"^│ P\d+ ", line)]
    assert len(rows) == MAX_PUMP_ROWS
    assert f"… and {total - MAX_PUMP_ROWS:,} more pumps (the whole table: --out DIR)" in text
    assert f"the first {MAX_PUMP_ROWS} of {total:,} pumps" in text
    assert "holds on the network" in text and "certificate proves" in text
    assert main(["solve", str(path), "--algorithm", "tree-dp", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    (factor,) = report["factors"]
    assert len(factor["placement"]) == factor["cost"]["n_pumps"] == total
    assert report["status"] == "optimal" and report["verified"] is True


@pytest.mark.parametrize("skip_certificate", [False, True])
def test_the_cross_checked_answer_carries_no_tables(
    solved, skip_certificate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The DP's tables serve the check only: the answer the cross-check returns (what reports,
    sweeps and the service carry) keeps its proof's bound, not the tables, whether the
    certificate or the MILP alone decided (tables above the size a small tree checks)."""
    problem, result = solved
    assert "dp_certificate" in result.extras
    if skip_certificate:
        monkeypatch.setattr("wdnopt.solvers.pumps.exact.SMALL_TREE_TABLES", 0)
    checked = cross_check(problem, result)
    assert checked.status is Status.OPTIMAL
    assert "dp_certificate" not in checked.extras
    assert checked.bound == pytest.approx(result.objective, rel=1e-6)
