"""The solve service under load: 200 concurrent submissions of the routing worked example.

Starts ``wdnopt serve`` (a local Dask cluster of ``--workers`` processes, a fresh SQLite file,
one token), then from one local client (httpx, asyncio) runs N flows at once, each: post the
worked example, poll its job every ``--poll`` s until it is done, fetch its report. Every report
is checked against the optimum computed here by networkx's network simplex. Prints the p50/p95
latency of ``POST /solve``, ``GET /jobs/{id}`` and ``GET /reports/{id}`` (target: p95 ≤ 500 ms
for the GETs), each beside ``GET /health`` probed every 0.1 s during the same load (the
reference: a request that does almost nothing, on this machine at this moment), and the jobs
per second beside the rate of the same solve in this process (one solve after another, times
the workers: the most the cluster could do).

    .venv/bin/python benchmarks/bench_service.py
    .venv/bin/python benchmarks/bench_service.py --jobs 500 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import httpx
import networkx as nx

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "routing" / "two_sources_three_plants_six_zones.toml"
WDNOPT = Path(sys.executable).with_name("wdnopt")


def network_simplex_optimum(data: dict) -> float:
    """Least daily cost of a plain routing scenario as a min-cost flow (networkx)."""
    g = nx.DiGraph()
    total = sum(z["demand"] for z in data["zones"])
    g.add_node("source", demand=-total)
    g.add_node("sink", demand=total)
    for s in data["sources"]:
        g.add_edge("source", s["id"], capacity=s["capacity"], weight=0)
    for p in data["plants"]:
        g.add_edge(f"{p['id']}/in", p["id"], capacity=p["capacity"], weight=p["treatment_cost"])
    for z in data["zones"]:
        g.add_edge(z["id"], "sink", capacity=z["demand"], weight=0)
    plants = {p["id"] for p in data["plants"]}
    for a in data["arcs"]:
        g.add_edge(a["from"], f"{a['to']}/in" if a["to"] in plants else a["to"], weight=a["cost"])
    return float(nx.network_simplex(g)[0])


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def line(name: str, ms: list[float]) -> str:
    return f"{name:24s} {len(ms):6d} {pct(ms, 0.5):9.1f} {pct(ms, 0.95):9.1f} {max(ms):9.1f}"


async def timed(samples: list[float], call) -> httpx.Response:
    start = time.perf_counter()
    response = await call
    samples.append(1000 * (time.perf_counter() - start))
    return response


async def run_load(
    url: str, token: str, body: str, jobs: int, optimum: float, poll: float
) -> float:
    """Each of ``jobs`` flows at once: POST the scenario, poll its job, GET its report."""
    headers = {"Authorization": f"Bearer {token}"}
    # several small connection pools: one httpx pool of hundreds of connections costs the
    # client more time per request than the server spends on it
    per_pool = 20
    limits = httpx.Limits(max_connections=per_pool + 1, max_keepalive_connections=per_pool + 1)
    post_ms: list[float] = []
    poll_ms: list[float] = []
    report_ms: list[float] = []
    health_ms: list[float] = []
    toml = {"Content-Type": "application/toml"}
    async with contextlib.AsyncExitStack() as stack:
        pools = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120)
            )
            for _ in range(max(1, -(-jobs // per_pool)))
        ]
        c = pools[0]
        await asyncio.gather(*(p.get("/health") for p in pools for _ in range(per_pool)))
        running = True

        async def probe() -> None:
            """The reference: a request that does (almost) nothing, under the same load."""
            while running:
                await timed(health_ms, c.get("/health"))
                await asyncio.sleep(0.1)

        async def flow(c: httpx.AsyncClient) -> httpx.Response:
            r = await timed(post_ms, c.post("/solve", content=body, headers=toml))
            if r.status_code != 202:
                raise SystemExit(f"a submission was refused: {r.text}")
            job_id = r.json()["id"]
            while True:
                await asyncio.sleep(poll)
                job = (await timed(poll_ms, c.get(f"/jobs/{job_id}"))).json()
                if job["status"] == "done":
                    return await timed(report_ms, c.get(f"/reports/{job_id}"))
                if job["status"] not in ("queued", "running"):
                    raise SystemExit(f"job {job_id} ended {job['status']}: {job['error']}")

        prober = asyncio.create_task(probe())
        start = time.perf_counter()
        reports = await asyncio.gather(*(flow(pools[i % len(pools)]) for i in range(jobs)))
        elapsed = time.perf_counter() - start
        running = False
        await prober
    wrong = [
        r
        for r in reports
        if r.status_code != 200
        or r.json()["report"]["status"] != "optimal"
        or abs(r.json()["report"]["objective"] - optimum) > 1e-6
    ]
    if wrong:
        raise SystemExit(f"{len(wrong)} report(s) differ from the network simplex optimum")
    print(
        f"{jobs} jobs, all done and optimal at {optimum:g} $/day (network simplex); "
        f"each job polled every {poll:g} s"
    )
    print(f"{'request':24s} {'n':>6s} {'p50 ms':>9s} {'p95 ms':>9s} {'max ms':>9s} {'p95/ref':>9s}")
    floor = pct(health_ms, 0.95)
    print(line("GET /health (reference)", health_ms) + f" {1:>9.2f}")
    for name, ms in [
        ("POST /solve", post_ms),
        ("GET /jobs/{id}", poll_ms),
        ("GET /reports/{id}", report_ms),
    ]:
        print(line(name, ms) + f" {pct(ms, 0.95) / floor:9.2f}")
    p95 = max(pct(poll_ms, 0.95), pct(report_ms, 0.95))
    print(f"GET p95 {p95:.0f} ms: {'within' if p95 <= 500 else 'ABOVE'} the 500 ms target")
    rate = jobs / elapsed
    print(f"jobs per second: {rate:.1f} (first POST to last report: {elapsed:.1f} s)")
    return rate


def in_process_rate(data: dict, n: int = 50) -> float:
    """Solves per second of the same job in this process, one after another."""
    from wdnopt.solvers.service.work import JobOptions, solve_scenario

    solve_scenario(data, JobOptions())  # imports and first build
    start = time.perf_counter()
    for _ in range(n):
        solve_scenario(data, JobOptions())
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=200, help="concurrent submissions (200)")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (2)")
    parser.add_argument("--scheduler", help="an existing Dask scheduler (default: local cluster)")
    parser.add_argument("--poll", type=float, default=0.5, help="s between polls of a job (0.5)")
    args = parser.parse_args()
    body = EXAMPLE.read_text(encoding="utf-8")
    data = tomllib.loads(body)
    optimum = network_simplex_optimum(data)
    token = secrets.token_urlsafe(32)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "WDNOPT_TOKENS": f"bench {hashlib.sha256(token.encode()).hexdigest()}"}
        cmd = [str(WDNOPT), "serve", "--port", str(port), "--db", str(Path(tmp) / "jobs.sqlite"),
               "--workers", str(args.workers), "--max-jobs", str(args.jobs)]  # fmt: skip
        if args.scheduler:
            cmd += ["--scheduler", args.scheduler]
        log = open(Path(tmp) / "server.log", "wb")  # noqa: SIM115 - closed below
        server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env,
                                  start_new_session=True)  # fmt: skip
        try:
            start = time.perf_counter()
            while True:
                with contextlib.suppress(httpx.HTTPError):
                    if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                        break
                if server.poll() is not None or time.perf_counter() - start > 120:
                    raise SystemExit((Path(tmp) / "server.log").read_text())
                time.sleep(0.2)
            print(f"server up in {time.perf_counter() - start:.1f} s, {args.workers} workers")
            rate = asyncio.run(run_load(url, token, body, args.jobs, optimum, args.poll))
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
            log.close()
    reference = in_process_rate(data) * args.workers
    print(
        f"reference: {reference:.1f} solves/s (in-process solve rate × {args.workers} workers); "
        f"service/reference = {rate / reference:.2f}"
    )


if __name__ == "__main__":
    main()
