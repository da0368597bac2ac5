"""Every endpoint of the solve service, through a real server (uvicorn, Dask, SQLite)."""

from __future__ import annotations

import json
import tomllib
from datetime import UTC, datetime, timedelta

import pytest

from wdnopt.solvers.cli.main import main

from .conftest import EXAMPLE, ROOT, Server, wait_for

TOML = {"Content-Type": "application/toml"}


def _submit(client, body: str | dict, **params) -> str:
    if isinstance(body, dict):
        r = client.post("/solve", json=body, params=params)
    else:
        r = client.post("/solve", content=body, headers=TOML, params=params)
    assert r.status_code == 202, r.text
    assert r.headers["location"] == f"/jobs/{r.json()['id']}"
    return r.json()["id"]


@pytest.fixture(scope="module")
def example_job(service: Server) -> str:
    """Alice's worked example, solved."""
    with service.client("alice") as c:
        job_id = _submit(c, EXAMPLE.read_text())
        wait_for(c, job_id, ("done",))
    return job_id


def test_the_worked_example_as_toml_gives_the_network_simplex_optimum(
    service: Server, example_job: str, optimum: float, capsys: pytest.CaptureFixture[str]
) -> None:
    with service.client("alice") as c:
        job = c.get(f"/jobs/{example_job}").json()
        assert job["status"] == "done"
        assert job["progress"] == {"done": 1, "total": 1, "stage": "done"}
        assert job["started_at"] >= job["created_at"] and job["finished_at"] >= job["started_at"]
        body = c.get(f"/reports/{example_job}").json()
    report = body["report"]
    assert report["kind"] == "routing" and report["status"] == "optimal"
    assert report["objective"] == pytest.approx(optimum, abs=1e-6)
    # the same JSON as `wdnopt solve --json` on the file, but for timings
    assert main(["solve", str(EXAMPLE), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    for key in ("runtime_s", "build_s"):
        report.pop(key), cli.pop(key)
    assert report == {"kind": "routing", **cli}


def test_json_body_gives_the_same_answer(service: Server, optimum: float) -> None:
    data = tomllib.loads(EXAMPLE.read_text())
    with service.client("alice") as c:
        job_id = _submit(c, data)
        wait_for(c, job_id, ("done",))
        report = c.get(f"/reports/{job_id}").json()["report"]
    assert report["objective"] == pytest.approx(optimum, abs=1e-6)


def test_html_report_shows_the_cost_and_the_tables(
    service: Server, example_job: str, optimum: float
) -> None:
    with service.client("alice") as c:
        r = c.get(f"/reports/{example_job}", params={"format": "html"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert f"total cost {optimum:,.0f} $/day" in r.text
    for table in ("plants", "zones", "sources", "binding", "flows"):
        assert f'data-table="{table}"' in r.text


def test_pump_placement_job_reports_progress_per_factor(service: Server) -> None:
    """A generated tree at two demand factors: progress counts the factors; the exact tree DP
    and the MILP agree on the optimum of each (the report's own cross-check), so the status
    is optimal and the EPANET check holds."""
    body = {
        "kind": "pump_placement",
        "name": "small generated tree",
        "demand_factors": [1.5, 2.5],
        "network": {"generator": {"nodes": 30, "seed": 3}},
    }
    with service.client("alice") as c:
        job_id = _submit(c, body, algorithm="milp", time_limit=20, figures="true")
        job = wait_for(c, job_id, ("done", "failed"))
        assert job["status"] == "done", job
        assert job["progress"] == {"done": 2, "total": 2, "stage": "done"}
        assert job["options"] == {
            "time_limit": 20.0,
            "algorithm": "milp",
            "season": None,
            "figures": True,
            "deadline": 70.0,  # 2 factors × 20 s, and 30 s to build and check
        }
        answer = c.get(f"/reports/{job_id}").json()
        report = answer["report"]
        assert sorted(answer["figures"]) == ["plan_1.5.png", "plan_2.5.png"]
        png = c.get(answer["figures"]["plan_2.5.png"])
        assert png.status_code == 200 and png.content[:4] == b"\x89PNG"
        page = c.get(f"/reports/{job_id}", params={"format": "html"}).text
    for factor in ("1.5", "2.5"):
        assert f"<h2>factors: demand factor {factor}</h2>" in page
        assert f'<img alt="plan_{factor}.png"' in page
    assert report["kind"] == "pump_placement" and report["algorithm"] == "milp"
    assert [f["demand_factor"] for f in report["factors"]] == [1.5, 2.5]
    objectives = [f["objective"] for f in report["factors"]]
    assert None not in objectives, [(f["status"], f["message"]) for f in report["factors"]]
    assert report["objective"] is None  # several factors: each has its own, never their sum
    assert all(f["verified"] for f in report["factors"])


def test_reports_list_filters_by_kind_and_date(service: Server, example_job: str) -> None:
    today = datetime.now(UTC).date()
    with service.client("alice") as c:
        every = c.get("/reports").json()["reports"]
        routing = c.get("/reports", params={"kind": "routing"}).json()["reports"]
        pumps = c.get("/reports", params={"kind": "pump_placement"}).json()["reports"]
        since_today = c.get("/reports", params={"since": str(today)}).json()["reports"]
        tomorrow = c.get("/reports", params={"since": str(today + timedelta(days=1))}).json()
        yesterday = c.get("/reports", params={"until": str(today - timedelta(days=1))}).json()
        bad_kind = c.get("/reports", params={"kind": "sweep"})
    assert example_job in {r["id"] for r in routing}
    assert {r["kind"] for r in routing} == {"routing"}
    assert all(r["kind"] == "pump_placement" for r in pumps)
    assert {r["id"] for r in every} == {r["id"] for r in routing} | {r["id"] for r in pumps}
    assert {r["id"] for r in since_today} == {r["id"] for r in every}
    assert tomorrow["reports"] == [] and yesterday["reports"] == []
    finished = [r["finished_at"] for r in every]
    assert finished == sorted(finished, reverse=True)
    assert bad_kind.status_code == 422 and bad_kind.json()["detail"][0]["field"] == "kind"


def test_delete_cancels_a_running_job_then_deletes_it(service: Server) -> None:
    long = {
        "kind": "pump_placement",
        "demand_factors": [2.0],
        "network": {"generator": {"nodes": 150, "seed": 1}},
        "options": {"ga": {"population": 1000, "generations": 10_000}},
    }
    with service.client("carol") as c:
        job_id = _submit(c, long, algorithm="ga", time_limit=4)
        r = c.delete(f"/jobs/{job_id}")
        assert r.status_code == 200 and r.json() == {"id": job_id, "status": "cancelled"}
        job = c.get(f"/jobs/{job_id}").json()
        assert job["status"] == "cancelled"
        report = c.get(f"/reports/{job_id}")
        assert report.status_code == 409 and "cancelled" in report.json()["detail"][0]["got"]
        r = c.delete(f"/jobs/{job_id}")
        assert r.json() == {"id": job_id, "status": "deleted"}
        assert c.get(f"/jobs/{job_id}").status_code == 404


def test_schema_of_each_kind(service: Server) -> None:
    with service.client() as c:
        routing = c.get("/schema/routing").json()
        pumps = c.get("/schema/pump_placement").json()
        unknown = c.get("/schema/sweeps")
    assert {"sources", "plants", "zones", "arcs"} <= set(routing["properties"])
    assert routing["additionalProperties"] is False
    assert "network" in pumps["required"] and "demand_factors" in pumps["required"]
    assert unknown.status_code == 404 and unknown.json()["detail"][0]["field"] == "kind"


def test_openapi_docs_and_health(service: Server) -> None:
    with service.client() as c:
        spec = c.get("/openapi.json").json()
        docs = c.get("/docs")
        health = c.get("/health").json()
    assert {"/solve", "/jobs/{job_id}", "/reports", "/reports/{job_id}", "/schema/{kind}"} <= set(
        spec["paths"]
    )
    assert set(spec["paths"]["/solve"]["post"]["requestBody"]["content"]) == {
        "application/toml",
        "application/json",
    }
    assert docs.status_code == 200 and docs.headers["content-type"].startswith("text/html")
    assert "/solve" in docs.text and "time_limit" in docs.text
    for outside in ("<script", "<link", "src=", "cdn"):  # nothing loaded from anywhere
        assert outside not in docs.text.lower()
    assert health == {"status": "ok", "workers": 2}


def test_figures_of_a_daily_schedule(service: Server, capsys: pytest.CaptureFixture[str]) -> None:
    scenario = ROOT / "scenarios/routing/daily_schedule.toml"
    with service.client("alice") as c:
        plain = _submit(c, scenario.read_text())
        drawn = _submit(c, scenario.read_text(), figures="true")
        wait_for(c, plain, ("done",))
        wait_for(c, drawn, ("done",))
        without = c.get(f"/reports/{plain}").json()
        body = c.get(f"/reports/{drawn}").json()
        png = c.get(f"/reports/{drawn}/figures/day.png")
        page = c.get(f"/reports/{drawn}", params={"format": "html"}).text
        missing = c.get(f"/reports/{plain}/figures/day.png")
    assert without["figures"] == {} and missing.status_code == 404
    assert body["figures"] == {"day.png": f"/reports/{drawn}/figures/day.png"}
    assert png.headers["content-type"] == "image/png" and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    assert page.count('<img alt="day.png" src="data:image/png;base64,') == 1
    # the figures change nothing in the report, which is `wdnopt solve --json`'s
    assert main(["solve", str(scenario), "--json"]) == 0
    cli = json.loads(capsys.readouterr().out)
    for report in (body["report"], without["report"], cli):
        report.pop("runtime_s"), report.pop("build_s")
    assert body["report"] == without["report"] == {"kind": "routing", **cli}
