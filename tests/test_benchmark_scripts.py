"""Every benchmark script still imports: a moved or renamed name fails here, not in the hands
of whoever runs ``make bench`` next. Only the imports run (each script's work sits behind
``if __name__ == "__main__"``); the figures themselves are measured by running the scripts."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(BENCHMARKS.glob("*.py"))


def test_the_scripts_are_found() -> None:
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.stem)
def test_a_benchmark_script_imports(script: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # scripts import their neighbours by name
    spec = importlib.util.spec_from_file_location(f"_bench_{script.stem}", script)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(f"_bench_{script.stem}", None)


@pytest.mark.parametrize(
    "script",
    [s for s in SCRIPTS if "def main" in s.read_text(encoding="utf-8")],
    ids=lambda p: p.stem,
)
def test_a_benchmark_script_explains_itself(
    script: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--help`` prints a usage line and exits 0, before any work (no script takes it for a
    network size or a name)."""
    import runpy

    monkeypatch.syspath_prepend(str(BENCHMARKS))
    monkeypatch.setattr(sys, "argv", [str(script), "--help"])
    with pytest.raises(SystemExit) as stop:
        runpy.run_path(str(script), run_name="__main__")
    assert stop.value.code in (0, None)
    assert "usage" in capsys.readouterr().out.lower()
