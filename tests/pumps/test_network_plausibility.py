"""Every network shipped with wntr and epyt loads; data that make EPANET's answers absurd are
input errors naming the pipe (a 0.0001 mm pipe gave "short by 3.0e31 m")."""

from __future__ import annotations

import contextlib
import re
from importlib.resources import files
from pathlib import Path

import pytest
import wntr

from wdnopt.models.errors import InputError
from wdnopt.models.pumps import plausibility
from wdnopt.models.pumps.hydraulics import read_network, simulate
from wdnopt.models.pumps.plausibility import absurd_heads, check_plausible, implausible_pipes
from wdnopt.solvers.cli.main import main


def shipped_networks() -> list[Path]:
    """Every .inp file shipped with wntr and (when installed) epyt."""
    found = sorted(Path(str(files("wntr").joinpath("library", "networks"))).glob("*.inp"))
    with contextlib.suppress(ModuleNotFoundError):
        found += sorted(Path(str(files("epyt").joinpath("networks"))).rglob("*.inp"))
    return found


SHIPPED = shipped_networks()
DESIGN_TEMPLATES = {"anytown-exeter", "gessler1985", "hanoi-exeter"}
"""Design benchmarks whose pipes to be chosen carry a placeholder diameter of 0.0001 (mm or in)."""
REFUSED_BY_EPANET = {"Net1broken": 215}
"""Files EPANET itself refuses, with its error (Net1broken: one ID for a tank and a reservoir)."""


def placeholder_pipes(path: Path) -> set[str]:
    """Pipes whose diameter field in the file's [PIPES] section is below 0.001 (mm or in)."""
    names, section = set(), ""
    for line in path.read_text(encoding="latin-1").splitlines():
        fields = line.split(";")[0].split()
        if fields and fields[0].startswith("["):
            section = fields[0].upper()
        elif section == "[PIPES]" and len(fields) >= 5 and float(fields[4]) < 1e-3:
            names.add(fields[0])
    return names


@pytest.mark.parametrize("path", SHIPPED, ids=[f"{p.parent.name}/{p.stem}" for p in SHIPPED])
def test_every_shipped_network_loads(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(plausibility, "NAMED_AT_MOST", 10_000)
    if path.stem in REFUSED_BY_EPANET:
        with pytest.raises(InputError, match=f"Error {REFUSED_BY_EPANET[path.stem]}"):
            read_network(path)
        return
    wn = read_network(path)
    assert wn.num_junctions > 0
    problems = implausible_pipes(wn)
    if path.stem in DESIGN_TEMPLATES:
        assert {p.field.split()[1] for p in problems} == placeholder_pipes(path) != set()
        assert all(p.field.endswith("diameter") for p in problems)
    else:
        assert problems == []


def test_shipped_list_is_complete() -> None:
    """The loop above covers what it claims: wntr's six networks and epyt's."""
    names = {p.stem for p in SHIPPED}
    assert {"Net1", "Net3", "Net6", "ky4", "ky10"} <= names
    if any("epyt" in str(p) for p in SHIPPED):
        assert DESIGN_TEMPLATES | set(REFUSED_BY_EPANET) | {"MICROPOLIS_v1", "L-TOWN"} <= names


def small_tree(folder: Path, diameter_mm: float) -> Path:
    """Reservoir R → pipe P1 (300 mm) → J1 → pipe P2 (``diameter_mm``) → J2 (1 L/s), in LPS."""
    wn = wntr.network.WaterNetworkModel()
    wn.add_reservoir("R", base_head=60.0)
    wn.add_junction("J1", base_demand=0.001, elevation=10.0)
    wn.add_junction("J2", base_demand=0.001, elevation=10.0)
    wn.add_pipe("P1", "R", "J1", length=500.0, diameter=0.3, roughness=120.0)
    wn.add_pipe("P2", "J1", "J2", length=500.0, diameter=diameter_mm / 1000, roughness=120.0)
    path = folder / "tree.inp"
    wntr.network.write_inpfile(wn, str(path), units="LPS")
    return path


def test_pipe_of_0_0001_mm_is_refused_naming_it(tmp_path: Path) -> None:
    path = small_tree(tmp_path, 0.0001)
    assert re.search(r"(?m)^\s*P2\s.*\s0\.0001\s", path.read_text())  # the file says 0.0001 mm
    wn = read_network(path)
    head = simulate(wn, 1.0).head
    assert abs(head["J2"]) > 1e20  # the premise: EPANET's answer is absurd
    problems = implausible_pipes(wn)
    assert [(p.field, p.got) for p in problems] == [("pipe P2 diameter", "0.0001 mm")]
    assert "at least 0.1 mm" in problems[0].expected
    with pytest.raises(InputError, match="pipe P2 diameter"):
        check_plausible(wn, head)


def test_cli_refuses_0_0001_mm_pipe_with_exit_2(tmp_path: Path, capsys) -> None:
    small_tree(tmp_path, 0.0001)
    scenario = tmp_path / "tree.toml"
    scenario.write_text(
        'kind = "pump_placement"\nname = "tiny pipe"\ndemand_factors = [1.0]\n'
        '[network]\nfile = "tree.inp"\n',
        encoding="utf-8",
    )
    assert main(["solve", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "pipe P2 diameter" in err and "0.0001 mm" in err
    assert "Traceback" not in err and "short by" not in err


def test_absurd_heads_name_the_link(tmp_path: Path) -> None:
    """A 0.2 mm pipe passes the data check; EPANET's heads (about -1e12 m) name it."""
    wn = read_network(small_tree(tmp_path, 0.2))
    assert implausible_pipes(wn) == []
    head = simulate(wn, 1.0).head
    assert abs(head["J2"]) > plausibility.HEAD_LIMIT
    problems = absurd_heads(wn, head)
    assert [p.field for p in problems] == ["link P2"]
    with pytest.raises(InputError, match="link P2"):
        check_plausible(wn, head)


def test_plain_network_heads_pass(tmp_path: Path) -> None:
    wn = read_network(small_tree(tmp_path, 100.0))
    assert absurd_heads(wn, simulate(wn, 1.0).head) == []


def test_messages_in_the_files_units() -> None:
    wn = read_network("Net1")  # GPM: inches and feet
    wn.get_link("10").diameter = 0.0001 * 0.0254
    wn.get_link("11").roughness = 0.5
    wn.get_link("12").length = 2e6
    got = {p.field: p.got for p in implausible_pipes(wn)}
    assert got == {
        "pipe 10 diameter": "0.0001 in",
        "pipe 11 roughness": "0.5",
        "pipe 12 length": f"{2e6 / 0.3048:.4g} ft",
    }
