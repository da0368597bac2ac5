"""Pump sizes with head curves: the catalogue, the tree model against EPANET, the exact methods
against brute force, and a network whose pipes carry under 1 L/s."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from wdnopt.models.errors import InputError
from wdnopt.models.pumps.catalogue import CURVE_CATALOGUE, load_catalogue
from wdnopt.models.pumps.costs import RHO_G
from wdnopt.models.pumps.curves import (
    EPANET_SHUTOFF_RATIO,
    one_point_curve,
    three_point_curve,
)

DATA = Path(__file__).resolve().parents[2] / "data" / "networks"

# --- the catalogue and the curve ---------------------------------------------------------------


def test_one_point_curve_is_epanets() -> None:
    """Shut-off 1.33334·H_d, the design point on the curve, zero head at 2·Q_d, h = A − B q²."""
    c = one_point_curve(2.0, 30.0)
    assert c.a == pytest.approx(EPANET_SHUTOFF_RATIO * 30.0)
    assert c.c == pytest.approx(2.0, abs=1e-4)
    assert c.head(0.002) == pytest.approx(30.0, abs=1e-9)
    assert c.max_flow_lps == pytest.approx(4.0)
    assert c.b == pytest.approx(c.a / 4.0**c.c)


def test_three_point_curve_passes_through_its_points() -> None:
    points = ((0.0, 55.0), (8.0, 45.0), (14.0, 20.0))
    c = three_point_curve(points)
    for q, h in points:
        assert c.head(q / 1000) == pytest.approx(h, abs=1e-9)
    assert c.c == pytest.approx(math.log(35 / 10) / math.log(14 / 8))


def test_shipped_curve_catalogue() -> None:
    cat = load_catalogue(CURVE_CATALOGUE)
    assert cat.is_curve.all() and len(cat) == 6
    assert np.allclose(cat.max_head_m, [s.curve.a for s in cat.sizes])
    # each motor rating covers its curve's largest power
    for s in cat.sizes:
        assert RHO_G * s.curve.max_hydraulic_kw_per_rho_g / s.efficiency <= s.power_kw
    # the smallest size runs at 0.3 L/s, where every constant-power size is above its head
    assert cat.head_at(np.array([0.0003]))[0, 0] > 20
    constant = load_catalogue()
    assert (constant.head_at(np.array([0.0003])) == 0).all()


HEADER = "name,power_kw,capex,efficiency,max_head_m,design_flow_lps,design_head_m,q1_lps,h1_m,"
HEADER += "q2_lps,h2_m,q3_lps,h3_m\n"


@pytest.mark.parametrize(
    ("row", "field", "words"),
    [
        ("A,1,100,0.5,,1,-3,,,,,,", "design_flow_lps", "positive shut-off head"),
        ("A,1,100,0.5,,1,,,,,,,", "design_head_m", "a head curve needs"),
        ("A,1,100,0.5,,,,1,50,8,45,14,20", "q1_lps", "first point at zero flow"),
        ("A,1,100,0.5,,,,0,50,8,55,14,20", "q1_lps", "heads falling"),
        ("A,1,100,0.5,,,,0,50,8,45,6,20", "q1_lps", "flows rising"),
        ("A,1,100,0.5,,1,20,0,50,8,45,14,20", "q1_lps", "not both"),
        ("A,1,100,0.5,30,1,20,,,,,,", "max_head_m", "shut-off head"),
        ("A,0.1,100,0.5,,1,20,,,,,,", "power_kw", "rated power covering"),
    ],
)
def test_bad_curves_name_file_row_and_field(
    tmp_path: Path, row: str, field: str, words: str
) -> None:
    path = tmp_path / "cat.csv"
    path.write_text(HEADER + "B,1,100,0.5,20,,,,,,,,\n" + row + "\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_catalogue(path)
    (problem,) = err.value.problems
    assert problem.field == field and problem.row == 2 and problem.file == str(path)
    assert words in problem.expected
