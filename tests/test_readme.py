"""The README's Python examples run as written, and print what the README says they print."""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)


def test_readme_python_examples_run_and_print_what_they_say() -> None:
    blocks = _blocks()
    assert blocks
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        for code in blocks:
            if "run_sweep(" in code:
                _check_sweep_example(code)
                continue
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                exec(compile(code, "README.md", "exec"), {})
            printed = out.getvalue().splitlines()
            promised = [
                (line.split("print(")[0], line.split("#", 1)[1].strip())
                for line in code.splitlines()
                if line.startswith("print(") and "#" in line
            ]
            for (_, comment), got in zip(promised, printed, strict=False):
                expected = comment.split(" = ")[0].strip()
                assert got.strip() == expected, (code, got)
    finally:
        os.chdir(cwd)


def _check_sweep_example(code: str) -> None:
    """The sweep example is a full demo run (tests/harness runs sweeps); here its names and
    paths must exist and its arguments must fit the function."""
    import inspect

    from wdnopt.solvers.pumps.sweep import run_sweep

    match = re.search(r'run_sweep\("([^"]+)", "([^"]+)"(.*)\)', code)
    assert match, code
    assert (ROOT / match.group(1)).is_file()
    keywords = re.findall(r"(\w+)=", match.group(3))
    params = inspect.signature(run_sweep).parameters
    assert all(k in params for k in keywords), keywords


def test_readme_files_exist_and_the_net3_scenario_is_the_shipped_one() -> None:
    """Every image and scenario the README names is in the checkout, and the TOML of its looped
    network tour is the shipped scenario file (comments aside)."""
    import tomllib

    text = (ROOT / "README.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert "docs/net3_plan.png" in images
    for image in images:
        assert (ROOT / image).is_file(), image
    for scenario in set(re.findall(r"\bscenarios/[\w/]+\.toml\b", text)):
        assert (ROOT / scenario).is_file(), scenario
    tour = text.split("## Booster pumps on a real looped network", 1)[1]
    block = re.search(r"```toml\n(.*?)```", tour, flags=re.S)
    assert block
    shipped = ROOT / "scenarios" / "pumps" / "net3_network.toml"
    assert tomllib.loads(block.group(1)) == tomllib.loads(shipped.read_text())


def _shell_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", (ROOT / "README.md").read_text(), flags=re.S)
    return [line.split("#", 1)[0] for block in blocks for line in block.splitlines()]


def test_readme_commands_use_only_options_their_command_has() -> None:
    """Every `wdnopt COMMAND ... --option` of the README's shell blocks names an option that
    COMMAND has (its --help lists it), and every `pip install 'wdnopt[EXTRA]'` an extra of
    pyproject.toml."""
    import tomllib

    from wdnopt.solvers.cli.main import COMMANDS, build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if hasattr(a, "load"))
    checked = 0
    for line in _shell_lines():
        match = re.search(r"wdnopt ([a-z-]+)(.*)", line)
        if match is None or match.group(1) not in COMMANDS:
            continue
        command = sub.load(match.group(1))
        known = {o for action in command._actions for o in action.option_strings}
        for option in re.findall(r"(?<!\S)(--[a-z-]+)", match.group(2)):
            assert option in known, (line, option)
            checked += 1
    assert checked > 10
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    named = re.findall(r"pip install 'wdnopt\[(\w+)\]'", (ROOT / "README.md").read_text())
    assert named and set(named) <= set(extras["optional-dependencies"]), named


def _readme() -> str:
    return (ROOT / "README.md").read_text()


def test_readme_progress_line_is_the_one_printed(capsys) -> None:  # type: ignore[no-untyped-def]
    """The milp-network progress line the README quotes is the one the command prints."""
    from types import SimpleNamespace

    from wdnopt.solvers.cli.pump_report import _progress

    step = SimpleNamespace(iteration=3, lower=1234.0, upper=5678.0, gap=0.7827, elapsed_s=12.3)
    problem = SimpleNamespace(tree=SimpleNamespace(demand_factor=2.5))
    _progress(SimpleNamespace(name="milp-network"), problem)(step)  # type: ignore[arg-type]
    (line,) = capsys.readouterr().err.splitlines()
    assert f"(`{line}`)" in " ".join(_readme().split("\n"))


def test_readme_model_error_line_on_net3_is_the_one_printed() -> None:
    """The README quotes what the report prints when the plan kept on Net3 (built from no
    pumps) has no prediction to compare; the figure it gives is never a bare '–'."""
    from types import SimpleNamespace

    from wdnopt.solvers.cli.pump_report import _model_error

    said = _model_error(SimpleNamespace(extras={"start": "empty"}), float("nan"))  # type: ignore[arg-type]
    assert said.startswith("none to measure")
    assert f'("{said}")' in " ".join(_readme().split())
    assert _model_error(SimpleNamespace(extras={}), 0.01234) == "0.012 m"  # type: ignore[arg-type]


def test_readme_net3_run_time_is_a_measured_figure() -> None:
    """The Net3 command states seconds measured (benchmarks aside, not 'a few seconds')."""
    (line,) = [
        line
        for line in _readme().splitlines()
        if "solve scenarios/pumps/net3_network.toml --plot" in line
    ]
    assert "few seconds" not in line
    assert re.search(r"# \d+-\d+ s on 2 idle cores$", line), line


def test_readme_images_read_well_without_the_image() -> None:
    """A package index cannot show the README's images (relative paths): each one's alt text
    says what it shows and where the file is, so the page reads well without it."""
    images = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", _readme())
    assert images
    for alt, path in images:
        assert alt.startswith(f"Figure ({path} in the source tree): "), alt
        assert len(alt.split(":", 1)[1].split()) >= 6, alt
