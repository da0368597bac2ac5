"""One precedence for every option, whichever way a placement is asked for.

One scenario sets ``[solver] time_limit = 10`` and ``[options.milp] time_limit = 50``: the
command line, the Python API, a sweep's run and a service job all place with 50 s, and an
explicit time limit of 5 s beats both. The effective limit is read from the request each
entry point hands to :func:`~wdnopt.solvers.pumps.placement.solve_placement` (which is stopped
right there: no 50 s solve runs).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.comparison import PumpComparisonScenario
from wdnopt.models.scenario import load_scenario, scenario_from_dict
from wdnopt.solvers.api import place_pumps
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.request import PlacementRequest, placement_request
from wdnopt.solvers.pumps.sweep.plan import plan_sweep
from wdnopt.solvers.pumps.sweep.run import run_request
from wdnopt.solvers.service.intake import Accepted, Limits, check_submission
from wdnopt.solvers.service.joboptions import JobOptions
from wdnopt.solvers.service.jobsolve import solve_scenario

NETWORK = "[network]\ngenerator = { nodes = 30, seed = 3 }\n"
SETTINGS = "[solver]\ntime_limit = 10.0\n\n[options.milp]\ntime_limit = 50.0\n"
PLACEMENT = f'kind = "pump_placement"\ndemand_factors = [2.5]\n\n{NETWORK}\n{SETTINGS}'
SWEEP = (
    'kind = "pump_comparison"\ndemand_factors = [2.5]\nobjectives = ["tco"]\n'
    'algorithms = ["milp"]\nnetworks = [{ generator = { nodes = 30, seed = 3 } }]\n\n' + SETTINGS
)


class Stop(Exception):
    """Raised where the placement would start: the request has been seen."""


@pytest.fixture
def seen(monkeypatch: pytest.MonkeyPatch) -> list[PlacementRequest]:
    """The requests that reach ``solve_placement`` (it starts each one's clock)."""
    found: list[PlacementRequest] = []

    def started(self: PlacementRequest) -> PlacementRequest:
        found.append(self)
        raise Stop

    monkeypatch.setattr(PlacementRequest, "started", started)
    return found


@pytest.fixture
def scenario_file(tmp_path: Path) -> Path:
    path = tmp_path / "placement.toml"
    path.write_text(PLACEMENT)
    return path


def _limit(seen: list[PlacementRequest]) -> float | None:
    (request,) = seen
    assert request.algorithm.name == "milp"
    assert request.options.time_limit == request.time_limit
    return request.time_limit


@pytest.mark.parametrize(("argv", "limit"), [([], 50.0), (["--time-limit", "5"], 5.0)])
def test_the_command_line(
    seen: list[PlacementRequest], scenario_file: Path, argv: list[str], limit: float
) -> None:
    with pytest.raises(Stop):
        main(["solve", str(scenario_file), "--algorithm", "milp", "--json", *argv])
    assert _limit(seen) == limit


@pytest.mark.parametrize(("given", "limit"), [(None, 50.0), (5.0, 5.0)])
def test_the_api(seen: list[PlacementRequest], given: float | None, limit: float) -> None:
    settings = tomllib.loads(SETTINGS)
    with pytest.raises(Stop):
        place_pumps(
            "Net1", 1.0, algorithm="milp", time_limit=given, options=settings["options"],
            solver=settings["solver"],
        )  # fmt: skip
    assert _limit(seen) == limit


@pytest.mark.parametrize(("given", "limit"), [(None, 50.0), (5.0, 5.0)])
def test_a_sweep(tmp_path: Path, given: float | None, limit: float) -> None:
    """``wdnopt compare --time-limit`` (``plan_sweep(time_limit=)``) is the top rung."""
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP)
    sweep = load_scenario(path)
    assert isinstance(sweep, PumpComparisonScenario)
    plan = plan_sweep(sweep, file=str(path), time_limit=given)
    (run,) = [r for r in plan.runs if r.algorithm == "milp"]
    assert run.options["time_limit"] == limit and run.options["threads"] == 1
    request = run_request(run)
    assert request.time_limit == limit
    assert request.limit_from == ("options.milp.time_limit" if given is None else "time_limit")


def test_a_sweep_run_is_named_by_its_limit_also_without_a_time_limit_option(
    tmp_path: Path,
) -> None:
    """tree-dp has no ``time_limit`` option, yet ``--time-limit`` bounds its cross-check and
    repair: a sweep resumed with another limit runs it again (the run ids differ), and with
    the same limit finds it done (the same ids)."""
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.replace('algorithms = ["milp"]', 'algorithms = ["tree-dp"]'))
    sweep = load_scenario(path)
    assert isinstance(sweep, PumpComparisonScenario)
    assert "time_limit" not in registry.get("tree-dp").make_options().__dict__

    def ids(limit: float | None) -> list[str]:
        plan = plan_sweep(sweep, file=str(path), time_limit=limit)
        return [r.run_id for r in plan.runs if r.algorithm == "tree-dp"]

    assert ids(5.0) == ids(5.0)
    assert ids(5.0) != ids(50.0)
    assert ids(None) != ids(5.0)


def test_a_routing_sweep_takes_no_time_limit_option(tmp_path: Path) -> None:
    routing = Path(__file__).resolve().parents[2] / "scenarios" / "routing"
    sweeps = [
        p for p in sorted(routing.glob("*.toml")) if 'kind = "routing_sweep"' in p.read_text()
    ]
    sweep = sweeps[0]
    code = main(["compare", str(sweep), "--out", str(tmp_path / "out"), "--time-limit", "5"])
    assert code == 2
    assert not (tmp_path / "out" / "runs").exists()


@pytest.mark.parametrize(("given", "limit"), [(None, 50.0), (5.0, 5.0)])
def test_the_service(seen: list[PlacementRequest], given: float | None, limit: float) -> None:
    accepted = check_submission(
        PLACEMENT.encode(), "application/toml", Limits(), time_limit=given, algorithm="milp"
    )
    assert isinstance(accepted, Accepted), accepted
    assert accepted.options.time_limit == limit
    with pytest.raises(Stop):
        solve_scenario(accepted.data, accepted.options)
    assert _limit(seen) == limit


def test_the_rungs_below() -> None:
    """Without the per-algorithm table, ``[solver]``; without either, the default."""
    only_solver = scenario_from_dict(tomllib.loads(PLACEMENT.split("[options.milp]")[0]))
    request = placement_request(only_solver, "milp")
    assert (request.time_limit, request.limit_from) == (10.0, "solver.time_limit")
    bare = scenario_from_dict(tomllib.loads(PLACEMENT.split("[solver]")[0]))
    request = placement_request(bare, "milp")
    assert (request.time_limit, request.limit_from) == (60.0, None)  # MilpOptions' default
    # an algorithm without a time_limit option: the limit still bounds its repair
    request = placement_request(only_solver, "tree-pump")
    assert request.time_limit == 10.0 and not hasattr(request.options, "time_limit")


def test_the_service_clamps_a_default_and_keeps_a_given_limit() -> None:
    """A job that gives no limit gets the algorithm's default within the caps (not the cap
    above it); one that gives a limit within the cap keeps it."""
    bare = PLACEMENT.split("[solver]")[0]
    limits = Limits(max_job_seconds=40.0)
    milp = check_submission(bare.encode(), "application/toml", limits, algorithm="milp")
    assert isinstance(milp, Accepted) and milp.options.time_limit == 40.0
    ga = check_submission(bare.encode(), "application/toml", Limits(), algorithm="ga")
    assert isinstance(ga, Accepted) and ga.options.time_limit == 300.0  # no default: the cap
    given = check_submission(bare.encode(), "application/toml", Limits(), algorithm="milp",
                             time_limit=7.0)  # fmt: skip
    assert isinstance(given, Accepted) and given.options.time_limit == 7.0
    assert JobOptions(**vars(given.options)).time_limit == 7.0


def test_old_algorithm_tables_are_refused_with_the_new_name(tmp_path: Path) -> None:
    path = tmp_path / "old.toml"
    path.write_text(PLACEMENT.replace("[options.milp]", "[algorithms.milp]"))
    with pytest.raises(InputError) as info:
        load_scenario(path)
    (problem,) = info.value.problems
    assert problem.file == str(path) and problem.field == "algorithms"
    assert "[options.NAME]" in problem.expected and "[algorithms.milp]" in str(problem.got)


def test_a_bad_option_is_named_once_with_its_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(PLACEMENT.replace("time_limit = 50.0", "time_limt = 50.0"))
    with pytest.raises(InputError) as info:
        placement_request(load_scenario(path), "milp", where=str(path))
    (problem,) = info.value.problems
    assert (problem.file, problem.field) == (str(path), "options.milp.time_limt")
