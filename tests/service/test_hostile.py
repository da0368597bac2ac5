"""The solve service against hostile and careless clients, through real servers: bodies built
to exhaust the parser, sizes smuggled in as text, a running job cancelled while another
token waits for the only worker, a second server started on the same database, the sockets
of the whole process tree, the headers of every answer, a token that submits too fast."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from .conftest import (
    EXAMPLE,
    ROOT,
    Server,
    free_port,
    start_server,
    stop_server,
    token_lines,
    wait_for,
)

TOML = {"Content-Type": "application/toml"}
JSON = {"Content-Type": "application/json"}
GOOD = EXAMPLE.read_text()
SLOW_GA = (
    'kind = "pump_placement"\ndemand_factors = [2.0]\n'
    "[network]\ngenerator = { nodes = 150, seed = 5 }\n"
    "[options.ga]\ngenerations = 10000000\n"
)


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


def _peak_rss_mb(pid: int) -> float:
    """The most memory a process ever held (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return psutil.Process(pid).memory_info().rss / 2**20


def _fields(r) -> list[str]:
    return [d["field"] for d in r.json()["detail"]]


# --- on the shared server -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        ('{"a": ' * 1000 + "1" + "}" * 1000, JSON),
        ("[" * 1000 + "]" * 1000, JSON),
        ("x = " + "[" * 1000 + "]" * 1000 + "\n", TOML),
        ("x = " + "{a = " * 1000 + "1" + "}" * 1000 + "\n", TOML),
    ],
    ids=["json-objects", "json-arrays", "toml-arrays", "toml-inline-tables"],
)
def test_nested_bodies_get_a_json_error(service: Server, body: str, headers: dict) -> None:
    with service.client("alice") as c:
        r = c.post("/solve", content=body, headers=headers)
    assert r.status_code == 413 and r.headers["content-type"] == "application/json"
    assert r.json()["detail"][0]["field"] == "body"
    assert "nested at most 32 deep" in r.json()["detail"][0]["expected"]


@pytest.mark.parametrize("nodes", ['"100"', "1e2", "100.0"])
def test_sizes_given_as_text_or_decimals_are_refused(service: Server, nodes: str) -> None:
    body = (
        'kind = "pump_placement"\ndemand_factors = [2.0]\n'
        f"[network]\ngenerator = {{ nodes = {nodes} }}\n"
    )
    with service.client("alice") as c:
        r = c.post("/solve", content=body, headers=TOML)
        j = c.post(
            "/solve",
            json={
                "kind": "pump_placement",
                "demand_factors": [2.0],
                "network": {"generator": {"nodes": json.loads(nodes)}},
            },
        )
    for answer in (r, j):
        assert answer.status_code == 422 and _fields(answer) == ["network.generator.nodes"]
        assert "a whole number" in answer.json()["detail"][0]["expected"]


def test_oversized_schedules_and_jobs_are_refused_naming_the_field(service: Server) -> None:
    with service.client("alice") as c:
        schedule = c.post("/solve", content=GOOD + "\n[schedule]\nperiods = 10000\n", headers=TOML)
        factors = ", ".join(f"{1 + i / 10:g}" for i in range(20))
        many = c.post(
            "/solve",
            content=f'kind = "pump_placement"\ndemand_factors = [{factors}]\n'
            '[network]\nshipped = "Net3"\n',
            headers=TOML,
            params={"time_limit": 60},  # this server's cap
        )
    assert schedule.status_code == 413 and _fields(schedule) == ["schedule.periods"]
    assert "120000" in schedule.json()["detail"][0]["expected"]
    # 20 factors × 60 s: above the 600 s of solving a job may ask for
    assert many.status_code == 422 and _fields(many) == ["demand_factors", "time_limit"]
    assert "at most 600 s in all per job" in many.json()["detail"][0]["expected"]


def test_reports_job_lists_and_pages_carry_their_headers(service: Server) -> None:
    with service.client("alice") as c:
        job_id = c.post("/solve", content=GOOD, headers=TOML).json()["id"]
        wait_for(c, job_id, ("done",))
        answers = {
            "report": c.get(f"/reports/{job_id}"),
            "page": c.get(f"/reports/{job_id}", params={"format": "html"}),
            "reports": c.get("/reports"),
            "jobs": c.get("/jobs"),
            "job": c.get(f"/jobs/{job_id}"),
            "refused": c.post("/solve", content="kind = routing\n", headers=TOML),
        }
        index = c.get("/")
        docs = c.get("/docs")
    for name, r in answers.items():
        assert r.headers["cache-control"] == "no-store", name
        assert float(r.headers["server-timing"].split("app;dur=")[1]) >= 0, name
    assert job_id in {j["id"] for j in answers["jobs"].json()["jobs"]}
    for r in (index, docs, answers["page"]):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"
    assert "<script" not in docs.text and "cdn" not in docs.text.lower()


# --- on a server of one worker --------------------------------------------------------------


@pytest.fixture(scope="module")
def one_worker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder = tmp_path_factory.mktemp("one-worker")
    server = start_server(
        folder / "jobs.sqlite", folder / "server.log", "--max-posts", "6", workers=1
    )
    yield server
    stop_server(server)


def _solver_processes(server: Server) -> dict[int, float]:
    """pid → CPU seconds of every solver process under the server."""
    found = {}
    for p in _tree(server.process.pid):
        try:
            if "wdnopt.solvers.service.jobprocess" in " ".join(p.cmdline()):
                times = p.cpu_times()
                found[p.pid] = times.user + times.system
        except psutil.NoSuchProcess:
            continue
    return found


def _running_ga(server: Server, who: str) -> str:
    """A GA job of ``who`` past building its network, solving for a minute."""
    with server.client(who) as c:
        r = c.post(
            "/solve", content=SLOW_GA, headers=TOML, params={"algorithm": "ga", "time_limit": 60}
        )
        assert r.status_code == 202, r.text
        job_id = r.json()["id"]
        deadline = time.monotonic() + 60
        while True:
            job = wait_for(c, job_id, ("running", "failed", "done"))
            assert job["status"] == "running", job
            if (job["progress"] or {}).get("stage", "").startswith("demand factor"):
                return job_id
            assert time.monotonic() < deadline, job
            time.sleep(0.1)


def test_a_16000_part_dotted_key_is_refused_at_once_in_little_memory(one_worker: Server) -> None:
    body = "a" + ".a" * 16_000 + " = 1\n"
    with one_worker.client("alice") as c:
        c.get("/health")
        start = time.monotonic()
        r = c.post("/solve", content=body, headers=TOML)
        took = time.monotonic() - start
    assert r.status_code == 413 and _fields(r) == ["body"], r.text
    assert "at most 32 parts" in r.json()["detail"][0]["expected"]
    assert took < 1.0
    for process in _tree(one_worker.process.pid):
        if "dask" not in " ".join(process.cmdline()):  # the server and its intake process
            assert _peak_rss_mb(process.pid) < 500, process.cmdline()


def test_nothing_listens_beyond_the_host(one_worker: Server) -> None:
    listening = []
    for p in _tree(one_worker.process.pid):
        for conn in p.net_connections(kind="inet"):
            if conn.status == psutil.CONN_LISTEN:
                listening.append((p.pid, conn.laddr.ip, conn.laddr.port))
    assert listening
    assert {ip for _, ip, _ in listening} == {"127.0.0.1"}, listening
    for _, _, port in listening:  # no dashboard: no page of tasks, workers or logs anywhere
        for page in ("/status", "/info/main/workers.html", "/json/identity.json"):
            try:
                r = httpx.get(f"http://127.0.0.1:{port}{page}", timeout=5)
            except httpx.HTTPError:
                continue  # a Dask comm port, not HTTP
            assert r.status_code != 200, (port, page)


def test_a_cancelled_job_frees_the_only_worker_at_once(one_worker: Server) -> None:
    """Alice's GA runs on the only worker; she cancels it; Bob's small job, queued behind it,
    is done within seconds, and the GA's solver process is gone."""
    ga = _running_ga(one_worker, "alice")
    busy = {pid for pid, cpu in _solver_processes(one_worker).items() if cpu > 0.5}
    assert busy  # the GA's process, computing
    with one_worker.client("bob") as bob, one_worker.client("alice") as alice:
        small = bob.post("/solve", content=GOOD, headers=TOML).json()["id"]
        time.sleep(0.5)
        assert bob.get(f"/jobs/{small}").json()["status"] == "queued"  # behind the GA
        start = time.monotonic()
        assert alice.delete(f"/jobs/{ga}").json() == {"id": ga, "status": "cancelled"}
        job = wait_for(bob, small, ("done",), timeout=15)
        assert time.monotonic() - start < 15
        assert job["status"] == "done"
        assert alice.get(f"/jobs/{ga}").json()["status"] == "cancelled"
    time.sleep(0.5)
    assert not busy & set(_solver_processes(one_worker))


def test_a_second_server_on_the_database_refuses_to_start(one_worker: Server) -> None:
    """Started on the first one's database while its job runs: it exits at once with a
    message naming the database, and the running job goes on untouched."""
    db = Path(one_worker.process.args[one_worker.process.args.index("--db") + 1])
    ga = _running_ga(one_worker, "carol")
    env = {"WDNOPT_TOKENS": token_lines(), "PATH": "/usr/bin:/bin"}
    second = subprocess.run(
        [sys.executable, "-m", "wdnopt.solvers.cli.main", "serve", "--db", str(db),
         "--port", str(free_port()), "--workers", "1"],
        capture_output=True, text=True, timeout=120, env=env, cwd=ROOT,
    )  # fmt: skip
    assert second.returncode == 2, second.stderr
    assert str(db) in second.stderr and "one server per database" in second.stderr
    with one_worker.client("carol") as c:
        job = c.get(f"/jobs/{ga}").json()
        assert job["status"] == "running" and job["error"] is None
        assert c.delete(f"/jobs/{ga}").json()["status"] == "cancelled"


def test_a_token_that_submits_too_fast_is_told_when_to_come_back(one_worker: Server) -> None:
    """Six submissions a minute on this server (even refused ones count): the seventh gets
    429 with Retry-After; another token is not held back."""
    with one_worker.client("bob") as fast, one_worker.client("alice") as other:
        answers = [fast.post("/solve", content="kind = routing\n", headers=TOML) for _ in range(8)]
        codes = [r.status_code for r in answers]
        slow = other.post("/solve", content="kind = routing\n", headers=TOML)
    assert 429 in codes and set(codes) <= {400, 429}
    limited = answers[codes.index(429)]
    assert _fields(limited) == ["Authorization"] and "per minute" in limited.text
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert slow.status_code == 400


def test_dask_start_notices_only_with_verbose(one_worker: Server) -> None:
    """Without ``-v`` the server's output holds its own line, not Dask's INFO notices (the
    cluster is up: the server answered /health)."""
    text = one_worker.log.read_text(encoding="utf-8", errors="replace")
    assert "wdnopt solve service on http://" in text
    assert "INFO distributed" not in text
