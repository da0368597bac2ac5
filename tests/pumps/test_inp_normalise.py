"""Files wntr's reader refuses but EPANET 2.2 reads: loaded through EPANET's own reader.

Each construct is written into a copy of Net1 (or Net1 in LPS). The premise (wntr's reader
alone refuses the file) is asserted, so the test fails if it changes. The loaded network is
checked against two independent references over the whole 24-hour run: EPANET solving the
edited file itself (toolkit, binary output), and wntr's EpanetSimulator on the unedited
network wherever the edit means the same to EPANET.
"""

from __future__ import annotations

import logging
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
import wntr

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.hydraulics import read_network, shipped_network_path
from wdnopt.models.pumps.inp_normalise import for_wntr
from wdnopt.solvers.cli.main import main

NET1 = shipped_network_path("Net1").read_text(encoding="latin-1")
TOL = 1e-3
"""Metres within which pressures must agree."""


def eps_pressures(wn: wntr.network.WaterNetworkModel, folder: Path) -> pd.DataFrame:
    """Pressures (m) of the 24-hour run of ``wn`` by wntr's EpanetSimulator."""
    folder.mkdir(exist_ok=True)
    sim = wntr.sim.EpanetSimulator(wn)
    return sim.run_sim(file_prefix=str(folder / "run")).node["pressure"]


def epanet_pressures(path: Path, folder: Path) -> pd.DataFrame:
    """Pressures (m) of EPANET's own run of the file ``path`` (toolkit, binary output)."""
    folder.mkdir(exist_ok=True)
    wntr.epanet.toolkit.runepanet(str(path), str(folder / "run.rpt"), str(folder / "run.bin"))
    results = wntr.epanet.io.BinFile().read(str(folder / "run.bin"))
    return results.node["pressure"]


def assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert sorted(a.columns) == sorted(b.columns)
    assert list(a.index) == list(b.index)
    diff = (a[sorted(a.columns)] - b[sorted(a.columns)]).abs().to_numpy().max()
    assert diff <= TOL, f"pressures differ by {diff} m"


def net1_lps(folder: Path) -> str:
    """Net1 as wntr writes it in LPS (its ``UNITS`` line is edited to ``SI`` below)."""
    path = folder / "net1_lps.inp"
    wntr.network.write_inpfile(
        wntr.network.WaterNetworkModel(str(shipped_network_path("Net1"))), str(path), units="LPS"
    )
    return path.read_text(encoding="latin-1")


def option(text: str, line: str) -> str:
    return text.replace("[OPTIONS]\n", f"[OPTIONS]\n {line}\n", 1)


def clock_rule(when: str) -> str:
    """Net1 with a rule closing pipe 111 from ``when`` on (a clock time)."""
    rule = f"RULE 1\nIF SYSTEM CLOCKTIME >= {when}\nTHEN LINK 111 STATUS IS CLOSED\n"
    return NET1.replace("[RULES]\n", f"[RULES]\n{rule}", 1)


def explicit_patterns(text: str) -> str:
    """Net1 with each junction naming its demand pattern ``1`` itself."""
    out, section = [], ""
    for line in text.splitlines():
        if line.strip().startswith("["):
            section = line.strip()
        fields = line.split(";")[0].split()
        if section == "[JUNCTIONS]" and len(fields) == 3 and not line.startswith(";"):
            line = " ".join([*fields, "1"])
        out.append(line)
    return "\n".join(out) + "\n"


# (edited text, the unedited text meaning the same to EPANET) by construct
CASES = {
    "segments": lambda tmp: (option(NET1, "SEGMENTS 1000"), NET1),
    "units_si": lambda tmp: (
        re.sub(r"(?m)^(UNITS\s+)LPS", r"\1SI", net1_lps(tmp)),
        net1_lps(tmp),
    ),
    "clock_time_am_pm": lambda tmp: (clock_rule("6 AM"), clock_rule("6:00 AM")),
    "quality_chemical_time": lambda tmp: (
        re.sub(r"Quality\s+Chlorine mg/L", "Quality Chemical TIME", NET1),
        NET1,
    ),
    "undefined_default_pattern": lambda tmp: (
        re.sub(r"(?m)^( Pattern\s+)1\s*$", r"\g<1>99", explicit_patterns(NET1)),
        NET1,
    ),
}


@pytest.mark.parametrize("construct", sorted(CASES))
def test_construct_wntr_refuses_loads_through_epanet(
    construct: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    edited_text, original_text = CASES[construct](tmp_path)
    assert edited_text != original_text
    edited, original = tmp_path / f"{construct}.inp", tmp_path / "original.inp"
    edited.write_text(edited_text, encoding="latin-1")
    original.write_text(original_text, encoding="latin-1")

    with pytest.raises(Exception):  # noqa: B017 - the premise: wntr's reader alone refuses it
        wntr.network.WaterNetworkModel(str(edited))

    with caplog.at_level(logging.INFO, logger="wdnopt.models.pumps.inp_normalise"):
        wn = read_network(edited)
    assert wn.name == construct
    assert any(
        "normalised" in r.getMessage() and str(edited) in r.getMessage() for r in caplog.records
    )

    loaded = eps_pressures(wn, tmp_path / "loaded")
    assert_same(loaded, epanet_pressures(edited, tmp_path / "epanet"))
    assert_same(
        loaded, eps_pressures(wntr.network.WaterNetworkModel(str(original)), tmp_path / "o")
    )


def test_clock_rule_changes_the_run(tmp_path: Path) -> None:
    """The clock-time rule acts (so the comparison above can tell if it were lost)."""
    plain = eps_pressures(
        wntr.network.WaterNetworkModel(str(shipped_network_path("Net1"))), tmp_path / "a"
    )
    path = tmp_path / "rule.inp"
    path.write_text(clock_rule("6:00 AM"), encoding="latin-1")
    ruled = eps_pressures(wntr.network.WaterNetworkModel(str(path)), tmp_path / "b")
    assert (plain - ruled).abs().to_numpy().max() > 1.0


def test_start_clock_time_am_pm_loads_identically(tmp_path: Path) -> None:
    """``Start ClockTime 6 AM`` in [TIMES]: wntr's reader accepts it in this version, and
    read_network gives the same network (no normalisation)."""
    path = tmp_path / "start.inp"
    path.write_text(re.sub(r"Start ClockTime\s+12 am", "Start ClockTime 6 AM", NET1))
    direct = wntr.network.WaterNetworkModel(str(path))
    wn = read_network(path)
    assert direct.options.time.start_clocktime == wn.options.time.start_clocktime == 6 * 3600
    assert_same(eps_pressures(wn, tmp_path / "a"), eps_pressures(direct, tmp_path / "b"))


def test_undefined_default_pattern_leaves_demands_constant(tmp_path: Path) -> None:
    """EPANET gives demands no pattern when the default pattern is not defined; its save writes
    them without one, which a reader would give pattern ``1``: they must stay constant."""
    path = tmp_path / "pattern.inp"
    path.write_text(re.sub(r"(?m)^( Pattern\s+)1\s*$", r"\g<1>99", NET1), encoding="latin-1")
    with pytest.raises(Exception):  # noqa: B017 - the premise: wntr's reader alone refuses it
        wntr.network.WaterNetworkModel(str(path))
    wn = read_network(path)
    pattern = wn.get_node("11").demand_timeseries_list[0].pattern
    assert pattern is None or set(pattern.multipliers) == {1.0}
    loaded = eps_pressures(wn, tmp_path / "loaded")
    assert_same(loaded, epanet_pressures(path, tmp_path / "epanet"))
    net1 = eps_pressures(
        wntr.network.WaterNetworkModel(str(shipped_network_path("Net1"))), tmp_path / "n"
    )
    assert (loaded - net1).abs().to_numpy().max() > 1.0  # Net1's pattern is not applied


def test_for_wntr_keeps_explicit_patterns() -> None:
    text = "[DEMANDS]\n 11 150 1\n[PATTERNS]\n 1 1.0 1.2\n[OPTIONS]\n UNITS GPM\n"
    assert for_wntr(text) == text
    unpatterned = "[DEMANDS]\n 11 150\n[PATTERNS]\n 1 1.0 1.2\n constant 2\n[OPTIONS]\n UNITS GPM\n"
    fixed = for_wntr(unpatterned)
    assert " constant1 1.0" in fixed
    assert " PATTERN constant1" in fixed


def bad_file(folder: Path) -> Path:
    """Net1 with pipe 10 ending at node 99, which does not exist."""
    path = folder / "bad.inp"
    text = re.sub(r"(?m)^ 10\s+10\s+11\s", " 10 10 99 ", NET1)
    assert text != NET1
    path.write_text(text, encoding="latin-1")
    return path


def test_file_epanet_refuses_is_an_input_error_with_its_code(tmp_path: Path) -> None:
    path = bad_file(tmp_path)
    en = wntr.epanet.toolkit.ENepanet(version=2.2)
    with pytest.raises(wntr.epanet.exceptions.EpanetException):  # EPANET itself refuses it
        en.ENopen(str(path), str(tmp_path / "x.rpt"), "")
    en.ENclose()
    with pytest.raises(InputError) as info:
        read_network(path)
    text = str(info.value)
    assert "EPANET 2.2 refuses it: error 200" in text
    assert "Error 203" in text and "undefined node 99" in text
    assert all(p.file == str(path) for p in info.value.problems)


def test_nothing_left_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Neither the working directory, the file's folder nor the temporary folder keeps a file
    of the round trip, whether EPANET reads the file or refuses it."""
    work, temp, data = tmp_path / "work", tmp_path / "temp", tmp_path / "data"
    for folder in (work, temp, data):
        folder.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    good = data / "segments.inp"
    good.write_text(option(NET1, "SEGMENTS 1000"), encoding="latin-1")
    read_network(good)
    with pytest.raises(InputError):
        read_network(bad_file(data))
    assert list(work.iterdir()) == []
    assert list(temp.iterdir()) == []
    assert sorted(p.name for p in data.iterdir()) == ["bad.inp", "segments.inp"]


def test_cli_exit_2_without_traceback(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = bad_file(tmp_path)
    assert main(["pressure-curve", str(path), "--factors", "1"]) == 2
    err = capsys.readouterr().err
    assert "EPANET 2.2 refuses it: error 200" in err and "undefined node 99" in err
    assert "Traceback" not in err

    scenario = tmp_path / "bad.toml"
    scenario.write_text(
        'kind = "pump_placement"\nname = "bad"\ndemand_factors = [1.0]\n'
        '[network]\nfile = "bad.inp"\n',
        encoding="utf-8",
    )
    assert main(["solve", str(scenario)]) == 2
    err = capsys.readouterr().err
    assert "EPANET 2.2 refuses it: error 200" in err and "Traceback" not in err


def test_cli_loads_a_normalised_network(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    path = tmp_path / "si.inp"
    path.write_text(re.sub(r"(?m)^(UNITS\s+)LPS", r"\1SI", net1_lps(tmp_path)), encoding="latin-1")
    assert main(["pressure-curve", str(path), "--factors", "1", "--json"]) == 0
    assert '"network"' in capsys.readouterr().out
