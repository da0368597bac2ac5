"""The solve service under load: 200 concurrent submissions of the routing worked example.

Starts ``wdnopt serve`` (a local Dask cluster of ``--workers`` processes, a fresh SQLite file,
one token), then from ``--clients`` local client processes (httpx, asyncio) runs N flows at
once, each: post the worked example, poll its job every ``--poll`` s until it is done, fetch
its report. Every report
is checked against the optimum computed here by networkx's network simplex.

Meanwhile a probe, a client of its own in another process, polls ``GET /jobs/{id}``,
``GET /reports/{id}`` (of a job done before the load) and ``GET /health`` every 50 ms: what a
client polling its job sees while the submissions go on. Its GET p95 is the figure checked
against the 500 ms target, printed with the load average. The flows' own latencies are printed
too, but they include the load generator's own queueing: a client process driving dozens of
flows on a loaded 2-core machine waits for the CPU and its own event loop as much as for the
server; the server's own time of each of their GETs (its ``Server-Timing`` header) is printed
beside them. Last,
the jobs per second beside the rate of the same solve in this process (one solve after
another, times the workers: the most the cluster could do).

    .venv/bin/python benchmarks/bench_service.py
    .venv/bin/python benchmarks/bench_service.py --jobs 500 --workers 2
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import multiprocessing
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
from typing import Any

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
    return f"{name:30s} {len(ms):6d} {pct(ms, 0.5):9.1f} {pct(ms, 0.95):9.1f} {max(ms):9.1f}"


def probe(url: str, token: str, stop: Any, out: Any) -> None:
    """Another client, in its own process: one job solved first, then its state, its report
    and /health every 50 ms until ``stop`` is set; the latencies (ms) put on ``out``."""
    headers = {"Authorization": f"Bearer {token}"}
    samples: dict[str, list[float]] = {"health": [], "job": [], "report": []}
    with httpx.Client(base_url=url, headers=headers, timeout=120) as c:
        body = EXAMPLE.read_text(encoding="utf-8")
        r = c.post("/solve", content=body, headers={"Content-Type": "application/toml"})
        job_id = r.json()["id"]
        while c.get(f"/jobs/{job_id}").json()["status"] != "done":
            time.sleep(0.05)
        out.put("ready")
        paths = {"health": "/health", "job": f"/jobs/{job_id}", "report": f"/reports/{job_id}"}
        while not stop.is_set():
            for name, path in paths.items():
                start = time.perf_counter()
                c.get(path).raise_for_status()
                samples[name].append(1000 * (time.perf_counter() - start))
            time.sleep(0.05)
    out.put(samples)


async def timed(samples: list[float], call, server: list[float] | None = None) -> httpx.Response:
    start = time.perf_counter()
    response = await call
    samples.append(1000 * (time.perf_counter() - start))
    if server is not None:
        server.append(server_ms(response))
    return response


def server_ms(response: httpx.Response) -> float:
    """The server's own time of an answer (its Server-Timing header), ms."""
    timing = response.headers.get("server-timing", "")
    return float(timing.split("dur=")[1]) if "dur=" in timing else float("nan")


async def run_flows(
    url: str, token: str, body: str, jobs: int, poll: float, start_at: float
) -> dict[str, Any]:
    """``jobs`` flows at once from ``start_at`` (wall-clock time): POST the scenario, poll its
    job, GET its report; the latencies (ms), each report's status and objective, the end."""
    headers = {"Authorization": f"Bearer {token}"}
    # several small connection pools: one httpx pool of hundreds of connections costs the
    # client more time per request than the server spends on it
    per_pool = 20
    limits = httpx.Limits(max_connections=per_pool + 1, max_keepalive_connections=per_pool + 1)
    samples: dict[str, list[float]] = {"post": [], "job": [], "report": [], "server": []}
    toml = {"Content-Type": "application/toml"}
    async with contextlib.AsyncExitStack() as stack:
        pools = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=url, headers=headers, limits=limits, timeout=120)
            )
            for _ in range(max(1, -(-jobs // per_pool)))
        ]
        await asyncio.gather(*(p.get("/health") for p in pools for _ in range(per_pool)))

        async def flow(c: httpx.AsyncClient) -> tuple[str, float]:
            r = await timed(samples["post"], c.post("/solve", content=body, headers=toml))
            if r.status_code != 202:
                raise SystemExit(f"a submission was refused: {r.text}")
            job_id = r.json()["id"]
            while True:
                await asyncio.sleep(poll)
                answer = await timed(samples["job"], c.get(f"/jobs/{job_id}"), samples["server"])
                job = answer.json()
                if job["status"] == "done":
                    r = await timed(
                        samples["report"], c.get(f"/reports/{job_id}"), samples["server"]
                    )
                    report = r.json()["report"] if r.status_code == 200 else {}
                    return str(report.get("status")), float(report.get("objective") or 0)
                if job["status"] not in ("queued", "running"):
                    raise SystemExit(f"job {job_id} ended {job['status']}: {job['error']}")

        await asyncio.sleep(max(0.0, start_at - time.time()))
        reports = await asyncio.gather(*(flow(pools[i % len(pools)]) for i in range(jobs)))
    return {**samples, "reports": reports, "end": time.time()}


def flows_process(url: str, token: str, body: str, jobs: int, poll: float, start: float) -> Any:
    return asyncio.run(run_flows(url, token, body, jobs, poll, start))


def run_load(
    url: str, token: str, body: str, args: argparse.Namespace, optimum: float
) -> tuple[float, float]:
    """The flows, spread over ``--clients`` processes that start together; the jobs per
    second and the flows' GET p95."""
    shares = [
        args.jobs // args.clients + (i < args.jobs % args.clients) for i in range(args.clients)
    ]
    start = time.time() + 3.0  # every client process started and connected by then
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.clients) as pool:
        parts = pool.starmap(
            flows_process, [(url, token, body, n, args.poll, start) for n in shares if n]
        )
    samples = {
        k: [ms for part in parts for ms in part[k]] for k in ("post", "job", "report", "server")
    }
    wrong = [
        r
        for part in parts
        for r in part["reports"]
        if r[0] != "optimal" or abs(r[1] - optimum) > 1e-6
    ]
    if wrong:
        raise SystemExit(f"{len(wrong)} report(s) differ from the network simplex optimum")
    elapsed = max(part["end"] for part in parts) - start
    print(
        f"{args.jobs} jobs from {args.clients} client processes, all done and optimal at "
        f"{optimum:g} $/day (network simplex); each job polled every {args.poll:g} s"
    )
    print(f"{'request':30s} {'n':>6s} {'p50 ms':>9s} {'p95 ms':>9s} {'max ms':>9s}")
    for name, key in [
        ("flows: POST /solve", "post"),
        ("flows: GET /jobs/{id}", "job"),
        ("flows: GET /reports/{id}", "report"),
        ("flows: their GETs, server time", "server"),
    ]:
        print(line(name, samples[key]))
    rate = args.jobs / elapsed
    print(f"jobs per second: {rate:.1f} (first POST to last report: {elapsed:.1f} s)")
    return rate, max(pct(samples["job"], 0.95), pct(samples["report"], 0.95))


def under_load(url: str, token: str, body: str, args: argparse.Namespace, optimum: float) -> float:
    """The flows, with the probe beside them in its own process; the jobs per second."""
    context = multiprocessing.get_context("spawn")
    stop, out = context.Event(), context.Queue()
    prober = context.Process(target=probe, args=(url, token, stop, out))
    prober.start()
    if out.get(timeout=120) != "ready":
        raise SystemExit("the probe's job did not end")
    rate, flows_p95 = run_load(url, token, body, args, optimum)
    stop.set()
    seen = out.get(timeout=60)
    prober.join(timeout=30)
    for name, key in [
        ("probe: GET /jobs/{id}", "job"),
        ("probe: GET /reports/{id}", "report"),
        ("probe: GET /health", "health"),
    ]:
        print(line(name, seen[key]))
    p95 = max(pct(seen["job"], 0.95), pct(seen["report"], 0.95))
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(
        f"GET p95 {p95:.0f} ms (the probe's GET /jobs and /reports during the load): "
        f"{'within' if p95 <= 500 else 'ABOVE'} the 500 ms target; load average {load} on "
        f"{os.cpu_count()} cores (the flows' own GET p95, their client's queueing included: "
        f"{flows_p95:.0f} ms)"
    )
    return rate


def in_process_rate(data: dict, n: int = 50) -> float:
    """Solves per second of the same job in this process, one after another."""
    from wdnopt.solvers.service.joboptions import JobOptions  # lazy: the client side needs none
    from wdnopt.solvers.service.jobsolve import solve_scenario

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
    parser.add_argument(
        "--clients", type=int, default=4, help="processes the flows are spread over (4)"
    )
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
               "--workers", str(args.workers), "--max-jobs", str(args.jobs + 1),
               "--max-posts", str(max(args.jobs, 120))]  # fmt: skip
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
            rate = under_load(url, token, body, args, optimum)
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
