"""The limits a body meets before anything is built, on their own (no server): its nesting
measured before parsing, whole numbers for counts, the job's size and solving time against
the caps; and a job past its deadline stopped in its solver process."""

from __future__ import annotations

import json
import threading
import time
import tomllib

import psutil
import pytest

from wdnopt.solvers.service.intake import Accepted, Limits, Refused, check_submission
from wdnopt.solvers.service.nesting import data_depth, json_nesting, toml_nesting
from wdnopt.solvers.service.work import solve_job

from .conftest import EXAMPLE, ROOT

TOML = "application/toml"
JSON = "application/json"
GOOD = EXAMPLE.read_text()
PUMPS = 'kind = "pump_placement"\ndemand_factors = [2.0]\n[network]\nshipped = "Net3"\n'


def _check(body: str | dict, media: str = TOML, limits: Limits | None = None, **kw):
    text = json.dumps(body) if isinstance(body, dict) else body
    return check_submission(text.encode(), media, limits or Limits(), **kw)


def _refused(result, status: int) -> dict[str, str]:
    assert isinstance(result, Refused), result
    assert result.status == status, result
    return {p.field: p.expected for p in result.problems}


# --- nesting, before any parser -------------------------------------------------------------


def test_a_long_dotted_key_is_measured_without_parsing() -> None:
    """16,000 parts (a gigabyte and seconds in tomllib) measured in milliseconds."""
    body = "a" + ".a" * 16_000 + " = 1\n"
    start = time.perf_counter()
    assert toml_nesting(body, 32) == ("dotted key", 16_001)
    assert time.perf_counter() - start < 0.5
    assert toml_nesting('"a"' + '."b"' * 40 + " = 1\n", 32) == ("dotted key", 41)
    assert toml_nesting("[" + ".".join(["t"] * 50) + "]\n", 32) == ("dotted key", 50)
    fields = _refused(_check(body), 413)
    assert "at most 32 parts" in fields["body"]


@pytest.mark.parametrize(
    "text",
    [
        'x = "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a"\n',
        "x = '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['\n",
        'x = """\n[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"""\n',
        "x = 1 # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
        "y = [1.5, 2.5, 1979-05-27T07:32:00.999]\n[a.b.c]\nd.e = { f = [ { g = 1 } ] }\n",
    ],
)
def test_strings_comments_and_numbers_are_not_nesting(text: str) -> None:
    assert toml_nesting(text, 32) is None
    tomllib.loads(text)


def test_every_shipped_scenario_is_within_the_depth() -> None:
    for path in sorted(ROOT.glob("scenarios/**/*.toml")):
        text = path.read_text(encoding="utf-8")
        assert toml_nesting(text, 32) is None, path
        data = tomllib.loads(text)
        assert data_depth(data) <= 32, path
        assert json_nesting(json.dumps(data), 32) is None, path


@pytest.mark.parametrize(
    "text",
    [
        "a" * 1_000_000,
        "a." * 500_000,
        '"\\' * 500_000,
        '"""\\' * 300_000,
        "'" * 1_000_000,
        "[1.5, " * 200_000,
        "a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a.a " * 30_000,
    ],
    ids=["bare", "dots", "escapes", "open-multiline", "quotes", "floats", "keys-of-31-parts"],
)
def test_measuring_takes_one_pass_whatever_the_text(text: str) -> None:
    """A megabyte of the worst for a regular expression (open strings, escapes, long words,
    keys one part short of the limit): well under a second each."""
    start = time.perf_counter()
    toml_nesting(text, 32)
    json_nesting(text, 32)
    assert time.perf_counter() - start < 3.0  # quadratic would be minutes


@pytest.mark.parametrize(
    ("body", "media"),
    [
        ("x = " + "[" * 1000 + "]" * 1000 + "\n", TOML),
        ("x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n", TOML),
        ('{"a": ' * 1000 + "1" + "}" * 1000, JSON),
        ("[" * 1000 + "]" * 1000, JSON),
        ("[" * 100_000, JSON),  # never closed
        ("x = " + "[" * 100_000, TOML),
    ],
    ids=["toml-arrays", "toml-tables", "json-objects", "json-arrays", "json-open", "toml-open"],
)
def test_deep_bodies_are_refused_before_parsing(body: str, media: str) -> None:
    fields = _refused(_check(body, media), 413)
    assert "nested at most 32 deep" in fields["body"]


def test_headers_dotted_keys_and_inline_tables_add_up() -> None:
    """Each part alone within the limit, together deeper: measured on the data."""
    body = "[" + ".".join(["t"] * 20) + "]\n" + ".".join(["k"] * 20) + " = 1\n"
    assert toml_nesting(body, 32) is None
    assert data_depth(tomllib.loads(body)) == 40
    assert "nested at most 32 deep" in _refused(_check(body), 413)["body"]


def test_a_number_too_long_to_read_is_a_bad_body() -> None:
    """Python refuses to read an integer of more than 4,300 digits (ValueError): a 400."""
    assert _refused(_check("x = " + "1" * 5000 + "\n"), 400)
    assert _refused(_check('{"x": ' + "1" * 5000 + "}", JSON), 400)


# --- counts are whole numbers -----------------------------------------------------------------


@pytest.mark.parametrize("nodes", ['"1000000"', "1e6", "1000000.0", "true", '"50"', "50.0"])
def test_a_count_given_otherwise_than_as_a_whole_number_is_refused(nodes: str) -> None:
    body = PUMPS.replace('shipped = "Net3"', f"generator = {{ nodes = {nodes} }}")
    fields = _refused(_check(body), 422)
    assert "a whole number" in fields["network.generator.nodes"]


def test_counts_in_json_and_in_schedules_too() -> None:
    data = tomllib.loads(GOOD)
    data["schedule"] = {"periods": "24"}
    assert "a whole number" in _refused(_check(data, JSON), 422)["schedule.periods"]
    data["schedule"] = {"periods": 24.0}
    assert "a whole number" in _refused(_check(data, JSON), 422)["schedule.periods"]
    data["schedule"] = {"periods": 24}
    assert isinstance(_check(data, JSON), Accepted)


# --- the job's size and solving time -------------------------------------------------------------


def test_an_oversized_schedule_is_refused_naming_periods() -> None:
    """24 arcs × 10,000 periods: 240,000 flows of the day, above the 120,000 cap."""
    body = GOOD + "\n[schedule]\nperiods = 10000\n"
    fields = _refused(_check(body), 413)
    assert "periods × arcs of at most 120000" in fields["schedule.periods"]
    assert isinstance(_check(GOOD + "\n[schedule]\nperiods = 5000\n"), Accepted)


def test_factors_times_the_time_limit_are_capped_per_job() -> None:
    """20 demand factors × 300 s = 6,000 s: above the 600 s a job may solve."""
    factors = ", ".join(f"{1 + i / 10:g}" for i in range(20))
    body = PUMPS.replace("[2.0]", f"[{factors}]")
    fields = _refused(_check(body, time_limit=300.0), 422)
    assert set(fields) == {"demand_factors", "time_limit"}
    assert "at most 600 s in all per job" in fields["demand_factors"]
    in_file = body + "[solver]\ntime_limit = 300\n"
    assert "solver.time_limit" in _refused(_check(in_file), 422)
    # without a time limit, each factor gets its share of the job's total
    accepted = _check(body)
    assert isinstance(accepted, Accepted)
    assert accepted.options.time_limit == pytest.approx(30.0)
    assert accepted.options.deadline == pytest.approx(600 + 150)


def test_a_routing_job_counts_its_seasons() -> None:
    seasons = (ROOT / "scenarios/routing/irrigation.toml").read_text()
    count = len(tomllib.loads(seasons)["seasons"])
    limits = Limits(max_job_seconds=100.0)
    fields = _refused(_check(seasons, limits=limits, time_limit=60.0), 422)
    assert set(fields) == {"seasons", "time_limit"}
    accepted = _check(seasons, limits=limits)
    assert isinstance(accepted, Accepted)
    assert accepted.options.time_limit * count <= 100.0


@pytest.mark.parametrize(
    ("ga", "field"),
    [
        ("population = 1000000", "options.ga.population"),
        ("population = 10000\ngenerations = 10000000", "options.ga.generations"),
    ],
)
def test_a_genetic_algorithm_is_capped(ga: str, field: str) -> None:
    fields = _refused(_check(PUMPS + f"[options.ga]\n{ga}\n", algorithm="ga"), 413)
    assert "(the server's limit)" in fields[field]
    # a long run of the paper's population is fine: the time limit ends it
    long = _check(PUMPS + "[options.ga]\ngenerations = 10000000\n", algorithm="ga")
    assert isinstance(long, Accepted)


def test_every_table_counts_towards_the_network() -> None:
    junctions = "".join(f'\n[[junctions]]\nid = "J{i}"\n' for i in range(5000))
    fields = _refused(_check(GOOD + junctions), 413)
    assert "at most 5000" in fields["junctions"]


# --- a job stops at its deadline, in its solver process -----------------------------------------


def _solver_cpu() -> dict[int, float]:
    """CPU seconds of each solver process under this one."""
    found = {}
    for p in psutil.Process().children(recursive=True):
        try:
            if "wdnopt.solvers.service.jobprocess" in " ".join(p.cmdline()):
                found[p.pid] = p.cpu_times().user + p.cpu_times().system
        except psutil.NoSuchProcess:
            continue
    return found


def test_a_job_past_its_deadline_is_killed_with_its_process() -> None:
    """A GA that would run for minutes, with a 3 s deadline for the whole job (the network
    build included): the job ends within seconds of it, its solver process is gone."""
    data = tomllib.loads(
        'kind = "pump_placement"\ndemand_factors = [2.0]\n'
        "[network]\ngenerator = { nodes = 150, seed = 1 }\n"
        "[options.ga]\npopulation = 1000\ngenerations = 10000\n"
    )
    options = {"time_limit": None, "algorithm": "ga", "season": None, "figures": False}
    seen: set[int] = set()

    def look() -> None:  # the process running the job: computing near its end
        time.sleep(1.5)
        before = _solver_cpu()
        time.sleep(1.0)
        after = _solver_cpu()
        seen.update(pid for pid, cpu in after.items() if cpu - before.get(pid, cpu) > 0.1)

    watcher = threading.Thread(target=look)
    watcher.start()
    start = time.monotonic()
    answer = solve_job("deadline-test", data, {**options, "deadline": 3.0})
    took = time.monotonic() - start
    watcher.join()
    assert answer == {
        "errors": ["stopped at the job's time limit of 3 s (network building and checks included)"]
    }
    assert 3.0 <= took < 6.0
    assert seen
    for pid in seen:  # killed (and reaped), not left running
        assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
