"""The batched .inp writer and reader give wntr's own text and network; a network written once
serves every factor; the same plan is simulated once."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import wntr

from wdnopt.models.pumps.catalogue import load_catalogue
from wdnopt.models.pumps.generator import generate_tree
from wdnopt.models.pumps.hydraulics import (
    _steady_options,
    network_signature,
    read_inp,
    read_network,
    shipped_network_path,
    steady_inp_lines,
    write_inp,
)
from wdnopt.models.pumps.instance import tree_instance
from wdnopt.models.pumps.network import planned_pumps
from wdnopt.solvers.pumps.verify import Verifier

TREES = Path(__file__).resolve().parents[2] / "data" / "networks"
SOURCES = ["Net1", "Net3", "Net6", "ky10", str(TREES / "tree_1747.inp")]


def body(path: Path) -> str:
    """The file without its first three lines (name, wntr version, time written)."""
    return path.read_text(encoding="latin-1").split("\n", 3)[3]


def wntr_text(wn: wntr.network.WaterNetworkModel, path: Path) -> str:
    wntr.network.write_inpfile(wn, str(path), units="LPS", version=2.2)
    return body(path)


@pytest.mark.parametrize("source", SOURCES)
@pytest.mark.parametrize("headloss", [None, "D-W"])
def test_write_inp_is_wntrs_text(source: str, headloss: str | None, tmp_path: Path) -> None:
    wn = read_network(source)
    if headloss is not None:
        wn.options.hydraulic.headloss = headloss
    with _steady_options(wn, 1.7, 3, "LPS") as shadow:
        write_inp(shadow, tmp_path / "batched.inp")
        assert body(tmp_path / "batched.inp") == wntr_text(shadow, tmp_path / "wntr.inp")


@pytest.mark.parametrize("source", SOURCES)
def test_read_inp_is_wntrs_network(source: str, tmp_path: Path) -> None:
    path = shipped_network_path(source) if "/" not in source else Path(source)
    ours, theirs = read_inp(path), wntr.network.WaterNetworkModel(str(path))
    assert ours.node_name_list == theirs.node_name_list
    assert ours.link_name_list == theirs.link_name_list
    assert network_signature(ours) == network_signature(theirs)
    assert wntr_text(ours, tmp_path / "a.inp") == wntr_text(theirs, tmp_path / "b.inp")
    assert type(ours._inpfile) is type(theirs._inpfile)  # wntr's reader kept, picklable
    assert network_signature(pickle.loads(pickle.dumps(ours))) == network_signature(theirs)


def test_a_section_that_does_not_parse_fails_as_in_wntr(tmp_path: Path) -> None:
    lines = shipped_network_path("Net1").read_text(encoding="latin-1").splitlines()
    first = lines.index("[JUNCTIONS]") + 2  # after the header and its label line
    fields = lines[first].split()
    assert fields[0] == "10"
    lines[first] = f" 10 seven {fields[2]} ;"  # an elevation that is not a number
    bad = tmp_path / "bad.inp"
    bad.write_text("\n".join(lines) + "\n", encoding="latin-1")
    with pytest.raises(Exception) as ours:
        read_inp(bad)
    with pytest.raises(Exception) as theirs:
        wntr.network.WaterNetworkModel(str(bad))
    assert type(ours.value) is type(theirs.value) and str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("factor", [1.0, 2.5, 1.7345])
def test_one_written_network_serves_every_factor(factor: float, tmp_path: Path) -> None:
    wn = read_network("Net3")
    lines = steady_inp_lines(wn, factor, 5)
    with _steady_options(wn, factor, 5, "LPS") as shadow:
        expected = wntr_text(shadow, tmp_path / "f.inp")
    assert "\n".join(lines[3:]) + "\n" == expected


def test_an_edited_network_is_written_again() -> None:
    wn = read_network("Net3")
    before = steady_inp_lines(wn, 1.0, 0)
    wn.get_link(wn.pipe_name_list[0]).diameter *= 2
    after = steady_inp_lines(wn, 1.0, 0)
    assert before != after


def test_the_same_plan_is_simulated_once() -> None:
    wn = generate_tree(60, 3)
    tree = tree_instance(wn, 2.6)
    catalogue = load_catalogue()
    candidates = tree.candidates
    plan = planned_pumps(tree, {int(candidates[0]): 0})
    other = planned_pumps(tree, {int(candidates[0]): 1})
    with Verifier(wn, 2.6) as verifier:
        first, _ = verifier.run(plan, catalogue)
        again, _ = verifier.run(plan, catalogue)
        changed, _ = verifier.run(other, catalogue)
    assert again is first  # not simulated again
    assert changed is not first
    assert changed.pump_head != first.pump_head  # another size: another EPANET run
