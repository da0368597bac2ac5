"""Tiny comparison sweeps on the shipped 100-junction tree, shared by the harness tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from wdnopt.solvers.pumps import registry
from wdnopt.solvers.pumps.sweep import LOOPED_REFERENCE, run_sweep

ROOT = Path(__file__).resolve().parents[2]
NETWORK = ROOT / "data" / "networks" / "tree_100.inp"

FACTORS = [1.8, 2.4, 2.8]
"""1.8: no junction below P_min; 2.4 and 2.8: a few and many (see the pressure curve)."""
SEEDS = [0, 1]


def tree_algorithms() -> list[str]:
    """What a sweep without an ``algorithms`` list runs on a tree network: every registered
    algorithm but the looped networks' reference."""
    return [n for n in registry.names() if n != LOOPED_REFERENCE]


def sweep_text(
    *,
    factors: str = str(FACTORS),
    algorithms: str = "",
    seeds: str = str(SEEDS),
    extra: str = "",
    network: str = f'{{ file = "{NETWORK}" }}',
) -> str:
    return f"""kind = "pump_comparison"
name = "tiny"
networks = [{network}]
demand_factors = {factors}
objectives = ["opex", "tco"]
seeds = {seeds}
{algorithms}
{extra}
[options.ga]
population = 30
generations = 40

[solver]
time_limit = 30.0
"""


def write_sweep(folder: Path, text: str | None = None, name: str = "sweep.toml") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(sweep_text() if text is None else text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def tiny_sweep(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, pd.DataFrame]:
    """The tiny sweep run once in this process: (scenario file, output folder, table)."""
    folder = tmp_path_factory.mktemp("tiny")
    scenario = write_sweep(folder)
    out = folder / "out"
    frame = run_sweep(scenario, out, workers=1)
    return scenario, out, frame
