"""``wdnopt solve --plot`` on pump placement: a PNG map of the plan, one per demand factor."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import matplotlib.image
import pytest

from wdnopt.solvers.cli import pump_report
from wdnopt.solvers.cli.main import main

ROOT = Path(__file__).resolve().parents[2]
NET3 = ROOT / "scenarios" / "pumps" / "net3_network.toml"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _pyplot_figures() -> list[int]:
    import matplotlib.pyplot as plt

    return list(plt.get_fignums())


def _assert_png(path: Path) -> None:
    assert path.is_file()
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    assert len(data) > 20_000  # two maps, a colour bar and a title, not an empty canvas
    image = matplotlib.image.imread(path)
    height, width = image.shape[:2]
    assert 800 <= width <= 4000 and 400 <= height <= 3000
    assert image[..., :3].std() > 0.05  # something was drawn
    leftovers = list(path.parent.glob(f".{path.name}.*"))
    assert not leftovers  # written atomically: no temporary file left behind


def test_plot_of_a_plan_on_a_looped_network(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Net3 at 2.5 times its demands (15 demand junctions below P_min): the default algorithm's
    plan holds, exit 0, one PNG; no pyplot figure is left open and the backend is unchanged."""
    png = tmp_path / "net3.png"
    backend, figures = matplotlib.get_backend(), _pyplot_figures()
    code = main(["solve", str(NET3), "--plot", str(png)])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "holds on the network" in out
    _assert_png(png)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net3.png"]
    assert matplotlib.get_backend() == backend and _pyplot_figures() == figures


def test_one_plot_per_demand_factor(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Several factors: the factor goes before the suffix (net_2.5.png, net_3.png)."""
    scenario = tmp_path / "tree.toml"
    scenario.write_text(
        f"""kind = "pump_placement"
demand_factors = [2.5, 3.0]
[network]
file = "{ROOT / "data" / "networks" / "tree_100.inp"}"
""",
        encoding="utf-8",
    )
    out = tmp_path / "plots"
    out.mkdir()
    code = main(["solve", str(scenario), "--algorithm", "tree-dp", "--plot", str(out / "net.png")])
    assert code == 0, capsys.readouterr().out
    assert sorted(p.name for p in out.iterdir()) == ["net_2.5.png", "net_3.png"]
    for path in out.iterdir():
        _assert_png(path)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("missing/net3.png", "no folder"),
        (".", "not a folder"),
    ],
)
def test_bad_plot_path_is_refused_before_solving(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    where: str,
    message: str,
) -> None:
    def no_solving(*args: object, **kwargs: object) -> None:
        raise AssertionError("the problems were built before the --plot path was checked")

    monkeypatch.setattr(pump_report, "build_problems", no_solving)
    code = main(["solve", str(NET3), "--plot", str(tmp_path / where)])
    err = capsys.readouterr().err
    assert code == 2
    assert "--plot" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "missing").exists()


def test_plot_path_of_each_factor() -> None:
    path = Path("out") / "net.png"
    assert pump_report.plot_path(path, 2.0, several=False) == path
    assert pump_report.plot_path(path, 2.0, several=True) == Path("out") / "net_2.png"
    assert pump_report.plot_path(path, 2.25, several=True) == Path("out") / "net_2.25.png"


def test_plan_that_fails_and_no_plan(tmp_path: Path) -> None:
    """A plan without its pumps fails the check (junctions circled, the title says so); without
    a plan only the network without pumps is drawn."""
    import dataclasses

    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.models.pumps.schema import PumpPlacementScenario
    from wdnopt.solvers.pumps import plot as network_plot
    from wdnopt.solvers.pumps import registry
    from wdnopt.solvers.pumps.verify import verify_pumps

    scenario = PumpPlacementScenario(
        network={"file": ROOT / "data" / "networks" / "tree_100.inp"}, demand_factors=[3.0]
    )
    (problem,) = build_problems(scenario)
    assert problem.network is not None
    algorithm = registry.get("tree-dp")
    result = algorithm.run(problem, algorithm.make_options({}))
    empty = dataclasses.replace(result, pumps=())
    check = verify_pumps(problem.network.wn, problem.tree, (), problem.catalogue)
    assert not check.verified and check.failing(problem.tree)
    title = network_plot._title(problem, empty, check)
    assert "factor 3" in title and "0 pumps" in title and "does NOT hold" in title
    failing = network_plot.plot_plan(problem, empty, check, tmp_path / "failing.png")
    _assert_png(failing)
    nothing = network_plot.plot_plan(problem, result, None, tmp_path / "none.png")
    _assert_png(nothing)


def _boxes(fig, texts):
    """Display boxes of the texts alone (an annotation's own extent would take in its leader
    line)."""
    from matplotlib.text import Text

    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [Text.get_window_extent(t, renderer) for t in texts]


def _overlapping(boxes) -> list[tuple[int, int]]:
    return [(i, j) for i in range(len(boxes)) for j in range(i) if boxes[i].overlaps(boxes[j])]


def test_crowded_labels_are_placed_without_overlap() -> None:
    """Twenty labels, eight of them on points a few pixels apart: at one fixed offset most
    would overlap; placed, no two labels meet, none covers a marker, and the ones set away
    from their point have a leader line."""
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    from wdnopt.solvers.pumps import plot as network_plot

    rng = np.random.default_rng(1)
    points = rng.normal(0, 0.3, (20, 2))
    points[:8] = rng.normal(0, 0.02, (8, 2))
    fig = Figure(figsize=(6, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    ax.set_xlim(-2, 2)
    ax.set_ylim(-2, 2)
    labels = [(x, y, f"BP{i}+BP{i % 3}") for i, (x, y) in enumerate(points)]
    fixed = [ax.annotate(t, (x, y), xytext=(4, 4), textcoords="offset points", fontsize=6.5)
             for x, y, t in labels]  # fmt: skip
    assert len(_overlapping(_boxes(fig, fixed))) >= 5  # the old placement: crowded
    for t in fixed:
        t.remove()
    placed = network_plot.place_labels(ax, labels)
    assert [a.get_text() for a in placed] == [t for _, _, t in labels]
    boxes = _boxes(fig, placed)
    assert _overlapping(boxes) == []
    pixels = ax.transData.transform(points)
    for box in boxes:
        assert not any(box.contains(px, py) for px, py in pixels)
    far = [a for a in placed if np.abs(a.xyann).max() > network_plot.LABEL_RINGS[0] + 1e-9]
    assert far and all(a.arrow_patch is not None for a in far)
    assert all(a.arrow_patch is None for a in placed if a not in far)


def test_pump_labels_on_the_map_do_not_overlap() -> None:
    """The plan of tree_100 at 3 times its demands (10 pumps, two pairs close together): one
    label per pump point, none overlapping another, in the legend the pumps' entry."""
    from wdnopt.models.pumps.instance import build_problems
    from wdnopt.models.pumps.schema import PumpPlacementScenario
    from wdnopt.solvers.pumps import plot as network_plot
    from wdnopt.solvers.pumps import registry
    from wdnopt.solvers.pumps.verify import verify_pumps

    scenario = PumpPlacementScenario(
        network={"file": ROOT / "data" / "networks" / "tree_100.inp"}, demand_factors=[3.0]
    )
    (problem,) = build_problems(scenario)
    assert problem.network is not None
    algorithm = registry.get("tree-dp")
    result = algorithm.run(problem, algorithm.make_options({}))
    check = verify_pumps(problem.network.wn, problem.tree, result.pumps, problem.catalogue)
    fig = network_plot.plan_figure(problem, result, check)
    right = fig.axes[1]
    expected = network_plot.pump_labels(problem, result)
    assert len(expected) >= 5
    texts = [t for t in right.texts if t.get_text() in {e[2] for e in expected}]
    assert len(texts) == len(expected)
    assert _overlapping(_boxes(fig, texts)) == []
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert "new pump (its pipe, size)" in legend
