"""The parts of the solve service on their own: the token file, the job store, the report page,
and a worker's job after another kind of job in the same process."""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tomllib
from pathlib import Path

import pytest

from wdnopt.models.errors import InputError
from wdnopt.solvers.cli.main import main
from wdnopt.solvers.service.auth import digest, load_tokens, new_token, parse_tokens
from wdnopt.solvers.service.html import headline, number, report_page
from wdnopt.solvers.service.joboptions import JobOptions
from wdnopt.solvers.service.jobs import JobStore, TooManyJobs
from wdnopt.solvers.service.jobsolve import solve_scenario

from .conftest import EXAMPLE, ROOT, example_optimum

# --- tokens ---------------------------------------------------------------------------------


def test_token_file_holds_digests_and_names_owners(tmp_path: Path) -> None:
    a, b = new_token(), new_token()
    assert a != b and len(a) >= 43
    path = tmp_path / "tokens"
    path.write_text(f"# planning tools\nplanning {digest(a)}\n\ncontrol {digest(b).upper()}\n")
    tokens = load_tokens(path, {})
    assert tokens.owner(a) == "planning" and tokens.owner(b) == "control"
    assert tokens.owner(a + "x") is None and tokens.owner("") is None and tokens.owner(None) is None
    assert digest("abc") == hashlib.sha256(b"abc").hexdigest()


def test_environment_variable_is_the_fallback() -> None:
    t = new_token()
    tokens = load_tokens(None, {"WDNOPT_TOKENS": f"ops {digest(t)}; ci {digest('other')}"})
    assert tokens.owner(t) == "ops" and tokens.owner("other") == "ci"
    with pytest.raises(InputError) as err:
        load_tokens(None, {})
    assert err.value.problems[0].field == "--tokens"


@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        ("planning", "line 1", "NAME and the SHA-256"),
        ("# c\nplanning my-secret-token", "line 2", "64 hexadecimal digits"),
        (f"bad/name {digest('x')}", "line 1", "a name of letters"),
        (f"a {digest('x')}\nb {digest('x')}", "line 2", "each token once"),
        ("# nothing\n", "", "at least one token line"),
    ],
)
def test_bad_token_file_names_the_line(text: str, field: str, expected: str) -> None:
    with pytest.raises(InputError) as err:
        parse_tokens(text, where="tokens.txt")
    problem = err.value.problems[0]
    assert problem.field == field and expected in problem.expected
    assert problem.file == "tokens.txt"


# --- job store ------------------------------------------------------------------------------


def test_store_states_and_restart(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite"
    store = JobStore(db)
    a = store.create(owner="alice", kind="routing", name="a", options={}, max_active=2)
    b = store.create(owner="alice", kind="routing", name="b", options={}, max_active=2)
    with pytest.raises(TooManyJobs):
        store.create(owner="alice", kind="routing", name="c", options={}, max_active=2)
    store.create(owner="bob", kind="routing", name="d", options={}, max_active=2)
    store.set_progress(a.id, {"done": 0, "total": 1, "stage": "solving"})
    assert store.get(a.id).status == "running" and store.get(b.id).status == "queued"
    assert store.finish(a.id, {"status": "optimal", "objective": 12.5, "rows": [1, 2]})
    assert store.fail(b.id, ["cancelled by its owner"], status="cancelled")
    assert not store.finish(b.id, {"status": "optimal"})  # a late answer is ignored
    assert store.get(b.id).status == "cancelled" and store.report(b.id) is None
    store.close()

    again = JobStore(db)  # a restart: the active job of bob is marked interrupted
    assert again.mark_interrupted() == 1
    assert again.report(a.id) == {"status": "optimal", "objective": 12.5, "rows": [1, 2]}
    assert [j.id for j in again.list_reports("alice")] == [a.id]
    assert again.list_reports("bob") == []
    assert again.count_active("alice") == 0
    assert not again.delete("missing") and again.delete(a.id) and again.get(a.id) is None
    again.close()
    with sqlite3.connect(db) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# --- report page ----------------------------------------------------------------------------


def test_numbers_and_headline() -> None:
    assert number(989.0) == "989" and number(1234567.0) == "1,234,567"
    assert number(2.5) == "2.50" and number(0.00012345) == "0.0001234" and number(None) == "–"
    assert number(float("nan")) == "–" and number(True) == "yes"
    assert headline({"kind": "routing", "status": "optimal", "objective": 989.0}) == (
        "optimal: total cost 989 $/day"
    )
    assert headline({"kind": "routing", "status": "infeasible", "objective": None}) == "infeasible"


def test_report_page_escapes_every_value() -> None:
    report = {
        "kind": "routing",
        "name": "<script>alert(1)</script>",
        "status": "optimal",
        "objective": 1.0,
        "plants": [{"plant": "<b>P1</b>", "throughput": 3.0}],
    }
    page = report_page({"id": "x1", "finished_at": "now"}, report)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;P1&lt;/b&gt;" in page and 'data-table="plants"' in page


# --- a worker's jobs in turn ----------------------------------------------------------------


def test_a_pump_milp_after_a_routing_lp_in_one_process() -> None:
    """HiGHS's thread scheduler is sized by the first solve of a process: a worker that solved
    a routing LP must still solve a pump MILP (one thread), and agree with the tree DP."""
    routing = solve_scenario(tomllib.loads(EXAMPLE.read_text()), JobOptions())
    assert routing["objective"] == pytest.approx(example_optimum(), abs=1e-6)
    pumps = {
        "kind": "pump_placement",
        "demand_factors": [2.5],
        "network": {"generator": {"nodes": 30, "seed": 3}},
    }
    milp = solve_scenario(pumps, JobOptions(time_limit=20, algorithm="milp"))
    dp = solve_scenario(pumps, JobOptions(time_limit=20, algorithm="tree-dp"))
    assert milp["status"] == "optimal" and dp["status"] == "optimal"
    assert milp["objective"] == pytest.approx(dp["objective"], rel=1e-6)


# --- the command ----------------------------------------------------------------------------


def test_serve_refuses_to_start_without_tokens(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.delenv("WDNOPT_TOKENS", raising=False)
    assert main(["serve", "--db", str(tmp_path / "j.sqlite")]) == 2
    err = capsys.readouterr().err
    assert "--tokens" in err and "WDNOPT_TOKENS" in err
    bad = tmp_path / "tokens"
    bad.write_text("ops not-a-digest\n")
    assert main(["serve", "--tokens", str(bad)]) == 2
    assert f"{bad}, line 1: the SHA-256 of the token" in capsys.readouterr().err


def test_serve_refuses_a_file_that_is_not_a_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.setenv("WDNOPT_TOKENS", f"ops {digest('t')}")
    db = tmp_path / "notes.sqlite"
    db.write_text("these are my notes, not a database\n" * 100)
    assert main(["serve", "--db", str(db)]) == 2
    err = capsys.readouterr().err
    assert "--db" in err and "an SQLite file of the service's jobs" in err
    assert db.read_text().startswith("these are my notes")


def test_new_token_prints_a_line_that_admits_it(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--new-token", "planning"]) == 0
    out = capsys.readouterr().out.splitlines()
    token = out[0].removeprefix("token: ")
    line = out[1].removeprefix("token file line: ")
    assert parse_tokens(line, where="x").owner(token) == "planning"


def test_the_readme_token_file_example_is_accepted() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    block = readme.split("**The token file.**", 1)[1].split("```text\n", 1)[1].split("```")[0]
    assert sorted(parse_tokens(block, where="README.md").owners.values()) == [
        "control",
        "planning",
    ]


def _without_timings(obj: object) -> object:
    if isinstance(obj, dict):
        return {k: _without_timings(v) for k, v in obj.items() if k not in ("runtime_s", "build_s")}
    if isinstance(obj, list):
        return [_without_timings(v) for v in obj]
    return obj


@pytest.mark.parametrize(
    "path",
    [
        p
        for p in sorted((ROOT / "scenarios/routing").glob("*.toml"))
        if 'kind = "routing"' in p.read_text(encoding="utf-8")  # not the sweeps
    ],
    ids=lambda p: p.stem,
)
def test_a_job_reports_what_the_command_prints(
    path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every shipped routing scenario (seasons, schedules, MILPs): the job's report is the
    JSON of `wdnopt solve --json`, timings aside."""
    from wdnopt.models.scenario import SCENARIO_KINDS
    from wdnopt.solvers.service.intake import server_files

    data = tomllib.loads(path.read_text())
    if server_files(SCENARIO_KINDS["routing"], data):
        pytest.skip("reads CSV tables: not a request body")  # none of the shipped ones does
    job = solve_scenario(data, JobOptions())
    main(["solve", str(path), "--json"])
    cli = json.loads(capsys.readouterr().out)
    assert _without_timings(job) == _without_timings({"kind": "routing", **cli})
