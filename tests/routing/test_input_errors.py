"""Inconsistent routing options: one clear message (file, field, expectation), exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from wdnopt.solvers.cli.main import main

GOOD = """
kind = "routing"
{head}
sources = [{{id="S1", capacity=50}}]
plants = [{{id="P1", capacity=30, treatment_cost=8{plant}}}]
zones = [{{id="Z1", demand=12{zone}}}]
arcs = [{{from="S1", to="P1", cost=3{arc}}}, {{from="P1", to="Z1", cost=2}}]
{tail}
"""


def run(tmp_path: Path, capsys: pytest.CaptureFixture[str], **parts: str) -> tuple[int, str]:
    text = GOOD.format(**{k: parts.get(k, "") for k in ("head", "plant", "zone", "arc", "tail")})
    path = tmp_path / "scenario.toml"
    path.write_text(text)
    code = main(["solve", str(path)])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err + captured.out
    return code, captured.err


def test_all_options_together_are_accepted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, err = run(
        tmp_path,
        capsys,
        head="energy_price = 0.1",
        plant=', min_throughput=5, qualities=["a"], ramp=3, storage=2',
        zone=', quality="a", storage=4, storage_start=1, profile=[1, 1]',
        arc=", lift=10",
        tail="[schedule]\nperiods = 2\nenergy_price = [0.1, 0.2]",
    )
    assert code == 0, err


CASES = [
    (
        {"zone": ', quality="hospital"', "plant": ', qualities=["standard"]'},
        ["zones[0].quality", "a quality class some plant offers (standard)", "'hospital'"],
    ),
    ({"plant": ", min_throughput=40"}, ["plants[0].min_throughput", "at most", "30", "40"]),
    (
        {"zone": ", storage=5, storage_end=8"},
        ["zones[0].storage_end", "at most the storage capacity (5 ML)", "8"],
    ),
    ({"plant": ", storage=5, storage_start=6"}, ["plants[0].storage_start", "at most"]),
    ({"zone": ", storage_start=3"}, ["zones[0].storage_start", "zones[0].storage"]),
    (
        {"zone": ", profile=[1, 2, 3]", "tail": "[schedule]\nperiods = 24"},
        ["zones[0].profile", "one value per period (24 values)", "3 values"],
    ),
    (
        {"tail": "[schedule]\nperiods = 2\nprofiles = { day = [1, 2, 3] }"},
        ["schedule.profiles.day", "one value per period (2 values)", "3 values"],
    ),
    (
        {
            "zone": ', profile="night"',
            "tail": "[schedule]\nperiods = 2\nprofiles = { day = [1, 2] }",
        },
        ["zones[0].profile", "the name of a profile in schedule.profiles (day)", "'night'"],
    ),
    ({"zone": ", profile=[1]"}, ["zones[0].profile", "a [schedule] section"]),
    ({"arc": ", lift=20"}, ["energy_price", "reference energy price", "arcs[0]"]),
    (
        {"head": "energy_price = 0.1", "tail": "[schedule]\nperiods = 2\nenergy_price = [0.1]"},
        ["schedule.energy_price", "one price per period (2 values)", "1 values"],
    ),
    ({"tail": "[schedule]\nperiods = 2\nenergy_price = [0.1, 0.2]"}, ["energy_price", "reference"]),
    ({"head": 'season = "summer"'}, ["season", "the name of a season", "'summer'"]),
    (
        {"head": 'seasons = [{id="dry", source_capacity={S9=3}}]'},
        ["seasons[0].source_capacity.S9", "the id of a source"],
    ),
    ({"arc": ", upgrade_capacity=10"}, ["arcs[0].upgrade_capacity", "finite capacity"]),
    ({"arc": ", efficiency=1.5"}, ["arcs[0].efficiency", "≤ 1", "1.5"]),
    ({"plant": ", premium={gold=2}"}, ["plants[0].premium.gold", "a quality class"]),
    ({"zone": ", storage=-1"}, ["zones[0].storage", "≥ 0", "-1"]),
    # a tariff scales arc costs by energy_price[t] / energy_price: a reference of 0 would make
    # every lift's energy free (0 $ where each period's price is due)
    (
        {"head": "energy_price = 0", "arc": ", lift=20",
         "tail": "[schedule]\nperiods = 2\nenergy_price = [0.1, 0.2]"},
        ["energy_price", "reference energy price > 0", "energy_price[t] / energy_price", "got 0"],
    ),
    (
        {"head": "energy_price = 0.1", "arc": ", energy=50, efficiency=0.5"},
        ["arcs[0].efficiency", "only on an arc with a lift", "0.5 on S1 → P1", "an energy"],
    ),
    ({"arc": ", efficiency=0.5"}, ["arcs[0].efficiency", "only on an arc with a lift", "no lift"]),
    # 12 ML/day × 1.5 = 18 ML/day in the second period, above the zone's 15 ML/day
    (
        {"zone": ", surplus_cost=1, capacity=15, profile=[0.5, 1.5]",
         "tail": "[schedule]\nperiods = 2"},
        ["zones[0].capacity", "period 2 of its profile", "12 × 1.5 = 18 ML/day", "(9 ML in",
         "15 ML/day for zone 'Z1'"],
    ),
    (
        {"zone": ', surplus_cost=1, capacity=13, profile="peak"',
         "tail": "[schedule]\nperiods = 4\nprofile_kind = \"absolute\"\n"
                 "profiles = { peak = [1, 2, 4, 5] }"},
        ["zones[0].capacity", "period 3 of profile 'peak'", "4 ML in 6 h = 16 ML/day",
         "13 ML/day for zone 'Z1'"],
    ),
    ({"arc": ', raw="yes"'}, ["arcs[0].raw", "true or false", "'yes'"]),
    ({"arc": ", raw=1"}, ["arcs[0].raw", "true or false", "1"]),
    ({"arc": ', raw="true"'}, ["arcs[0].raw", "true or false", "'true'"]),
]  # fmt: skip


@pytest.mark.parametrize(("parts", "expected"), CASES, ids=lambda x: str(x)[:40])
def test_inconsistent_input(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    parts: dict[str, str],
    expected: list[str],
) -> None:
    code, err = run(tmp_path, capsys, **parts)
    assert code == 2
    assert "scenario.toml" in err
    for text in expected:
        assert text in err, (text, err)
