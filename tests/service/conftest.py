"""A real solve service for the tests: ``wdnopt serve`` in a subprocess, on a local Dask cluster
of worker processes and an SQLite file, with two tokens (alice's and bob's).

The worked example's optimum is computed here independently of the service, by networkx's
network simplex on the same data (source → plant → zone as a min-cost flow).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "scenarios/routing/two_sources_three_plants_six_zones.toml"
TOKENS = {"alice": "alice-token-7c1e9b", "bob": "bob-token-52d0aa", "carol": "carol-token-e4f1"}


def token_lines(names: list[str] | None = None) -> str:
    """Token file lines for the test tokens: ``NAME SHA256``."""
    return "\n".join(
        f"{name} {hashlib.sha256(TOKENS[name].encode()).hexdigest()}"
        for name in names or list(TOKENS)
    )


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[name]}"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running ``wdnopt serve`` process."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def client(self, name: str | None = None, **kw: Any) -> httpx.Client:
        headers = auth(name) if name else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=30, **kw)

    def kill_group(self) -> None:
        """End the server and every process it started (its own process group)."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


def start_server(db: Path, log: Path, *args: str, workers: int = 2) -> Server:
    """Start ``wdnopt serve`` on a free port with the test tokens; wait until it answers."""
    port = free_port()
    env = {**os.environ, "WDNOPT_TOKENS": token_lines()}
    cmd = [sys.executable, "-m", "wdnopt.solvers.cli.main", "serve", "--port", str(port)]
    cmd += ["--db", str(db), "--workers", str(workers), *args]
    out = log.open("wb")
    process = subprocess.Popen(
        cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True, cwd=ROOT
    )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server ended: {log.read_text()}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return server
        time.sleep(0.2)
    server.kill_group()
    raise RuntimeError(f"the server did not answer in 90 s: {log.read_text()}")


def stop_server(server: Server) -> None:
    """SIGTERM (uvicorn's clean shutdown), then whatever is left of its process group."""
    if server.process.poll() is None:
        server.process.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.process.wait(timeout=20)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(server.process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        server.process.wait(timeout=10)


def wait_for(client: httpx.Client, job_id: str, states: tuple[str, ...], timeout: float = 60):
    """Poll ``GET /jobs/{id}`` until the job is in one of ``states``; the last answer."""
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/jobs/{job_id}").json()
        if job["status"] in states:
            return job
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {job['status']} after {timeout} s")
        time.sleep(0.05)


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the endpoint tests, with small limits so that each can be hit."""
    folder = tmp_path_factory.mktemp("service")
    server = start_server(
        folder / "jobs.sqlite",
        folder / "server.log",
        "--max-body", "20000",
        "--max-network", "200",
        "--max-time-limit", "60",
        "--max-jobs", "2",
    )  # fmt: skip
    yield server
    stop_server(server)


def example_optimum(path: Path = EXAMPLE) -> float:
    """The least daily cost of a plain routing scenario by networkx's network simplex:
    super-source → sources (capacity) → plants (in → out: capacity, treatment cost) → zones
    (→ sink: demand), every arc its pumping cost."""
    data = tomllib.loads(path.read_text())
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
        head = f"{a['to']}/in" if a["to"] in plants else a["to"]
        g.add_edge(a["from"], head, weight=a["cost"])
    cost, _ = nx.network_simplex(g)
    return float(cost)


@pytest.fixture(scope="session")
def optimum() -> float:
    return example_optimum()
