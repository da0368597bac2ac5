"""The hourly schedule out (long tables by period and id) and peak pricing, hand-solved."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.routing.conftest import solve_dict
from wdnopt.solvers.cli.main import main

# Two periods of 12 h at a flat price of 0.1 $/kWh. Z needs nothing in the first period and
# 24 ML in the second. P → Z takes 12 kWh/ML (1.2 $/ML); nothing else uses energy. A demand
# charge of 2 $/kW on the day's peak pumping power P = 12 kWh/ML · x / 12 h = x kW (x in ML).
PEAK: dict[str, Any] = {
    "energy_price": 0.1,
    "demand_charge": 2,
    "schedule": {"periods": 2, "profile_kind": "absolute"},
    "sources": [{"id": "S", "capacity": 100}],
    "plants": [{"id": "P", "capacity": 100}],
    "zones": [{"id": "Z", "demand": 24, "profile": [0, 24]}],
    "arcs": [{"from": "S", "to": "P"}, {"from": "P", "to": "Z", "energy": 12}],
}


def test_demand_charge_without_storage() -> None:
    # all 24 ML pumped in period 2: energy 24 · 1.2 = 28.8 $, peak 24 kW · 2 = 48 $
    result = solve_dict(PEAK)
    assert result.objective == pytest.approx(76.8)
    assert result.peak_kw == pytest.approx(24)
    assert result.demand_charge == pytest.approx(48)
    assert result.periods["power_kw"].tolist() == pytest.approx([0, 24])


@pytest.mark.parametrize(("storage", "peak"), [(12, 12), (6, 18)])
def test_storage_lowers_the_demand_charge(storage: float, peak: float) -> None:
    # with a reservoir at Z, x ML pumped ahead (x ≤ storage) leaves 24 − x for period 2:
    # peak max(x, 24 − x), least at x = min(12, storage). Energy is 28.8 $ either way.
    data = copy.deepcopy(PEAK)
    data["zones"][0]["storage"] = storage
    result = solve_dict(data)
    assert result.peak_kw == pytest.approx(peak)
    assert result.objective == pytest.approx(28.8 + 2 * peak)
    assert result.objective < 76.8


def test_long_tables_by_period_and_id() -> None:
    # a 15 ML reservoir starting (and ending) at 3: 12 pumped ahead fits, peak 12 kW
    data = copy.deepcopy(PEAK)
    data["zones"][0]["storage"] = 15
    data["zones"][0]["storage_start"] = 3
    result = solve_dict(data)
    arcs = result.arc_periods
    assert len(arcs) == 2 * 2
    pz = arcs[(arcs["from"] == "P") & (arcs["to"] == "Z")].set_index("period")
    assert pz["flow"].tolist() == pytest.approx([12, 12])
    assert pz["energy_kwh"].tolist() == pytest.approx([144, 144])
    assert pz["power_kw"].tolist() == pytest.approx([12, 12])
    assert pz["pumping_cost"].sum() == pytest.approx(28.8)
    assert arcs[arcs["from"] == "S"]["energy_kwh"].isna().all()  # energy unknown
    plants = result.plant_periods
    assert plants["throughput"].tolist() == pytest.approx([12, 12])
    levels = result.storage_levels
    assert levels["period"].tolist() == [0, 1, 2]
    assert levels["time_h"].tolist() == pytest.approx([0, 12, 24])
    assert levels["level"].tolist() == pytest.approx([3, 15, 3])  # start 3, +12, −12


def test_out_writes_csv_and_parquet_and_json_carries_the_tables(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        'kind = "routing"',
        "energy_price = 0.1",
        "demand_charge = 2",
        'schedule = { periods = 2, profile_kind = "absolute" }',
        'sources = [{ id = "S", capacity = 100 }]',
        'plants = [{ id = "P", capacity = 100 }]',
        'zones = [{ id = "Z", demand = 24, profile = [0, 24], storage = 12 }]',
        'arcs = [{ from = "S", to = "P" }, { from = "P", to = "Z", energy = 12 }]',
    ]
    path = tmp_path / "peak.toml"
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "out"
    assert main(["solve", str(path), "--out", str(out)]) == 0
    report = " ".join(capsys.readouterr().out.split())
    assert "demand charge $24.00" in report and "Peak pumping power: 12.00 kW" in report
    for name in ("arc_periods", "plant_periods", "storage_levels"):
        csv = pd.read_csv(out / f"{name}.csv")
        parquet = pd.read_parquet(out / f"{name}.parquet")
        pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
    assert not list(out.glob("*.tmp*"))
    assert main(["solve", str(path), "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["cost"]["demand_charge"] == pytest.approx(24)
    assert {"arc_periods", "plant_periods", "storage_levels"} <= set(payload)
    assert payload["storage_levels"][0] == {
        "period": 0,
        "time_h": 0.0,
        "storage": "Z",
        "level": 0.0,
    }


@pytest.mark.parametrize(
    ("extra", "arc", "expected"),
    [
        ("demand_charge = 2", "", ["demand_charge", "pumping power is known"]),
        ("energy_price = 0.1", ", energy = 3, lift = 10", ["arcs[1].energy", "not both"]),
        ("", ", energy = 3", ["energy_price", "arcs[1]"]),
    ],
)
def test_peak_pricing_input_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: str, arc: str, expected: list[str]
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(
        f'kind = "routing"\n{extra}\nsources = [{{id="S", capacity=10}}]\n'
        'plants = [{id="P", capacity=10}]\nzones = [{id="Z", demand=5}]\n'
        f'arcs = [{{from="S", to="P"}}, {{from="P", to="Z"{arc}}}]\n'
    )
    assert main(["solve", str(path)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    for text in expected:
        assert text in err
