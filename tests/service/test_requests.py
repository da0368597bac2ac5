"""Bad requests to the solve service: each refused at once with a 4xx naming the field; tokens
(none, wrong, someone else's job); the server's limits."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from wdnopt.solvers.cli.main import main

from .conftest import EXAMPLE, TOKENS, Server, wait_for

TOML = {"Content-Type": "application/toml"}
GOOD = EXAMPLE.read_text()


def _post(service: Server, body: str | bytes, headers=TOML, who: str = "alice", **params):
    with service.client(who) as c:
        return c.post("/solve", content=body, headers=headers, params=params)


def _fields(r) -> list[str]:
    return [d["field"] for d in r.json()["detail"]]


@pytest.mark.parametrize(
    ("body", "status", "field"),
    [
        (GOOD.replace('{ id = "Z3", demand = 15 }', '{ id = "Z3", demand = "lots" }'), 422,
         "zones[2].demand"),
        (GOOD.replace('{ from = "S1", to = "P1", cost = 3 }',
                      '{ from = "S1", to = "P1", cost = 3, colour = "red" }'), 422,
         "arcs[0].colour"),
        (GOOD.replace('{ id = "P2", capacity = 25, treatment_cost = 10 }',
                      '{ id = "P2", capacity = -25, treatment_cost = 10 }'), 422,
         "plants[1].capacity"),
        (GOOD.replace('kind = "routing"', ""), 422, "kind"),
        (GOOD.replace('kind = "routing"', 'kind = "pump_comparison"'), 422, "kind"),
        (GOOD.replace("zones = [", 'zones = "zones.csv"\nzones_unused = [', 1), 422, "zones"),
        ('kind = "pump_placement"\ndemand_factors = [2.0]\n[network]\nfile = "/etc/passwd"\n',
         422, "network.file"),
        ('kind = "pump_placement"\ndemand_factors = [2.0]\n[network]\nshipped = "Net3"\n'
         '[options.ga]\npopulation = "many"\n', 422, "options.ga.population"),
        ('kind = "pump_placement"\ndemand_factors = [2.0]\n[network]\n'
         "generator = { nodes = 100000 }\n", 413, "network.generator.nodes"),
        (GOOD + "\n[solver]\ntime_limit = 3600\n", 422, "solver.time_limit"),
        ("kind = routing\n", 400, ""),
    ],
)  # fmt: skip
def test_bad_body_is_refused_naming_the_field(
    service: Server, body: str, status: int, field: str
) -> None:
    r = _post(service, body)
    assert r.status_code == status, r.text
    assert field in _fields(r)
    assert all(d["message"] for d in r.json()["detail"])


def test_messages_are_those_of_a_scenario_file(
    service: Server, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same mistakes in a file and in a body: the same messages, the file's name replaced
    by 'request body'."""
    bad = GOOD.replace('{ id = "Z3", demand = 15 }', '{ id = "Z3", demand = "lots" }').replace(
        '{ id = "P1", capacity = 30, treatment_cost = 8 }',
        '{ id = "P1", capacity = 30, treatment_cost = 8, colour = 1 }',
    )
    path = tmp_path / "bad.toml"
    path.write_text(bad)
    assert main(["solve", str(path)]) == 2
    cli = [line.removeprefix("error: ") for line in capsys.readouterr().err.splitlines()]
    r = _post(service, bad)
    assert r.status_code == 422
    served = [d["message"] for d in r.json()["detail"]]
    assert len(cli) == 2
    assert served == [line.replace(str(path), "request body") for line in cli]


def test_json_bodies_and_content_types(service: Server) -> None:
    assert _post(service, b"[1, 2]", {"Content-Type": "application/json"}).status_code == 400
    r = _post(service, b"{not json", {"Content-Type": "application/json"})
    assert r.status_code == 400 and "valid JSON" in r.json()["detail"][0]["expected"]
    r = _post(service, GOOD, {"Content-Type": "text/csv"})
    assert r.status_code == 415 and _fields(r) == ["Content-Type"]
    r = _post(service, json.dumps({"kind": "routing", "sources": 3}),
              {"Content-Type": "application/json"})  # fmt: skip
    assert r.status_code == 422 and "sources" in _fields(r)


def test_query_options_are_checked(service: Server) -> None:
    assert "time_limit" in _fields(_post(service, GOOD, time_limit=3600))
    assert "time_limit" in _fields(_post(service, GOOD, time_limit=-1))
    assert "algorithm" in _fields(_post(service, GOOD, algorithm="milp"))  # routing: no algorithm
    assert "season" in _fields(_post(service, GOOD, season="summer"))
    pumps = 'kind = "pump_placement"\ndemand_factors = [2.0]\n[network]\nshipped = "Net3"\n'
    assert "algorithm" in _fields(_post(service, pumps, algorithm="simulated-annealing"))


def test_body_and_network_size_limits(service: Server) -> None:
    r = _post(service, GOOD + "#" * 30_000)  # the server's limit: 20,000 bytes
    assert r.status_code == 413 and _fields(r) == ["body"]
    zones = "".join(f'\n[[zones]]\nid = "X{i}"\ndemand = 1\n' for i in range(200))
    r = _post(service, GOOD.replace("zones = [", "zones_x = [") + zones)
    assert r.status_code == 413 and _fields(r) == ["zones"]  # 200 + 5 + 24 > 200: the biggest


def test_no_token_and_wrong_token_get_401(service: Server) -> None:
    with service.client() as c:
        for method, path in [("POST", "/solve"), ("GET", "/jobs/x"), ("GET", "/reports"),
                             ("GET", "/reports/x"), ("DELETE", "/jobs/x")]:  # fmt: skip
            r = c.request(method, path, content=GOOD, headers=TOML)
            assert r.status_code == 401, (method, path)
            assert r.headers["www-authenticate"] == "Bearer"
            assert _fields(r) == ["Authorization"]
        wrong = {"Authorization": f"Bearer {TOKENS['alice']}x"}
        r = c.get("/reports", headers=wrong)
        assert r.status_code == 401 and r.json()["detail"][0]["got"] == "an unknown token"
        r = c.get("/reports", headers={"Authorization": f"Basic {TOKENS['alice']}"})
        assert r.status_code == 401


PUBLIC = {"/", "/static/{name}", "/docs", "/health", "/schema/{kind}", "/openapi.json"}
"""The paths anyone may read: the page, its files, the documentation, health, the schemas."""


def test_every_path_but_the_public_ones_wants_a_token(service: Server) -> None:
    """Walks the service's own OpenAPI document, so a router added later is covered too."""
    with service.client() as c:
        paths = c.get("/openapi.json").json()["paths"]
        assert {"/solve", "/jobs", "/jobs/{job_id}", "/reports"} <= set(paths)
        for path, methods in paths.items():
            if path in PUBLIC:
                continue
            concrete = path.replace("{job_id}", "0123456789abcdef").replace("{name}", "x.png")
            for method in methods:
                r = c.request(method.upper(), concrete, content=GOOD, headers=TOML)
                assert r.status_code == 401, (method, path, r.status_code)


def test_a_token_sees_only_its_own_jobs(service: Server) -> None:
    with service.client("alice") as alice, service.client("bob") as bob:
        job_id = alice.post("/solve", content=GOOD, headers=TOML).json()["id"]
        wait_for(alice, job_id, ("done",))
        missing = bob.get("/jobs/0123456789abcdef").json()
        for method, path in [("GET", f"/jobs/{job_id}"), ("GET", f"/reports/{job_id}"),
                             ("GET", f"/reports/{job_id}?format=html"),
                             ("DELETE", f"/jobs/{job_id}"),
                             ("GET", f"/reports/{job_id}/figures/day.png")]:  # fmt: skip
            r = bob.request(method, path)
            assert r.status_code == 404, (method, path)
            assert r.json()["detail"][0]["expected"] == missing["detail"][0]["expected"]
        assert job_id not in {r["id"] for r in bob.get("/reports").json()["reports"]}
        assert job_id not in {j["id"] for j in bob.get("/jobs").json()["jobs"]}
        assert alice.get(f"/reports/{job_id}").status_code == 200  # not deleted by bob


def test_running_jobs_per_token_are_capped(service: Server) -> None:
    """Two queued or running jobs per token on this server: a third gets 429; once they are
    cancelled the token may submit again."""
    slow = (
        'kind = "pump_placement"\ndemand_factors = [2.0]\n'
        "[network]\ngenerator = { nodes = 150, seed = 2 }\n"
        "[options.ga]\npopulation = 1000\ngenerations = 10000\n"
    )
    ids = []
    with service.client("carol") as c:
        for _ in range(2):
            r = c.post(
                "/solve", content=slow, headers=TOML, params={"algorithm": "ga", "time_limit": 5}
            )
            assert r.status_code == 202
            ids.append(r.json()["id"])
        r = c.post("/solve", content=GOOD, headers=TOML)
        assert r.status_code == 429 and r.headers["retry-after"] == "5"
        with service.client("bob") as bob:  # another token is not held back
            assert bob.post("/solve", content=GOOD, headers=TOML).status_code == 202
        for job_id in ids:
            assert c.delete(f"/jobs/{job_id}").json()["status"] == "cancelled"
        time.sleep(0.05)
        r = c.post("/solve", content=GOOD, headers=TOML)
        assert r.status_code == 202
        wait_for(c, r.json()["id"], ("done",), timeout=60)
