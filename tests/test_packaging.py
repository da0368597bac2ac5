"""The setuptools mapping ships the wdnopt package (package/), every subpackage of models/ and
solvers/, and the shipped files (networks, pump catalogue, example scenarios) as package data
found through importlib; the licence goes into every distribution."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

from wdnopt.models.resources import copy_examples, data_file, data_folder, scenarios_folder

ROOT = Path(__file__).resolve().parents[1]
MAPPING = {"package": "wdnopt", "models": "wdnopt.models", "solvers": "wdnopt.solvers"}
DATA = {"data": "wdnopt.data", "scenarios": "wdnopt.scenarios"}
"""Folders of package data: every sub-folder with files must be a listed package."""


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _declared() -> set[str]:
    return set(_pyproject()["tool"]["setuptools"]["packages"])


def _on_disk() -> set[str]:
    found = set()
    for folder, dotted in MAPPING.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder)
            found.add(".".join([dotted, *rel.parts]))
    return found


def _data_files() -> dict[str, list[Path]]:
    """Package → the shipped files of that folder (not Python, not caches)."""
    found: dict[str, list[Path]] = {}
    for folder, dotted in DATA.items():
        for path in sorted((ROOT / folder).rglob("*")):
            if path.is_file() and path.suffix not in (".py", ".pyc"):
                rel = path.parent.relative_to(ROOT / folder)
                found.setdefault(".".join([dotted, *rel.parts]), []).append(path)
    return found


def test_every_subpackage_is_listed_in_pyproject() -> None:
    missing = _on_disk() - _declared()
    assert not missing, f"add these to [tool.setuptools] packages: {sorted(missing)}"


def test_every_listed_package_exists_and_imports() -> None:
    for name in sorted(_declared()):
        module = importlib.import_module(name)
        if name == "wdnopt" or name.split(".")[1] in ("models", "solvers"):
            assert module.__file__ is not None, name
        else:
            assert list(module.__path__), name


def test_every_shipped_file_is_package_data() -> None:
    """Each data file's folder is a listed package whose package-data patterns match it: the
    wheel carries it (the wheel test in `make test` runs the examples from it)."""
    declared = _declared()
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]
    for package, paths in _data_files().items():
        assert package in declared, f"add {package} to [tool.setuptools] packages"
        for path in paths:
            assert any(path.match(p) for p in patterns.get(package, [])), (
                f"{path.relative_to(ROOT)} is matched by no [tool.setuptools.package-data] "
                f"pattern of {package}"
            )


def test_shipped_files_are_found_through_the_package() -> None:
    assert data_folder().samefile(ROOT / "data")
    assert scenarios_folder().samefile(ROOT / "scenarios")
    assert (
        data_file("pumps", "catalogue.csv").read_bytes()
        == (ROOT / "data" / "pumps" / "catalogue.csv").read_bytes()
    )


def test_copied_examples_keep_the_checkout_layout(tmp_path: Path) -> None:
    """`wdnopt examples DIR` lays out scenarios/ and data/ as in the checkout, so a scenario's
    relative path to a shipped network resolves in the copy."""
    from wdnopt.models.scenario import load_scenario

    copy_examples(tmp_path)
    copied = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    shipped = sorted(
        p.relative_to(ROOT)
        for folder in DATA
        for p in (ROOT / folder).rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc")
    )
    assert copied == shipped
    scenario = load_scenario(tmp_path / "scenarios" / "pumps" / "tree_1747_tco.toml")
    assert Path(scenario.network.file).resolve() == (
        tmp_path / "data" / "networks" / "tree_1747.inp"
    )


def test_wdnopt_is_the_package_folder() -> None:
    """``import wdnopt`` is package/ (not a namespace), mapped in pyproject.toml, and no folder
    named wdnopt in the clone shadows it."""
    import wdnopt

    assert Path(wdnopt.__file__).resolve() == ROOT / "package" / "__init__.py"
    assert _pyproject()["tool"]["setuptools"]["package-dir"]["wdnopt"] == "package"
    assert not (ROOT / "wdnopt").exists()


def test_the_licence_is_declared_and_shipped() -> None:
    project = _pyproject()["project"]
    assert project["license"] == "BSD-3-Clause"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "BSD 3-Clause License" in text
    assert "Copyright (c) 2026, the wdnopt developers" in text


def test_the_base_install_leaves_the_service_and_dask_to_extras() -> None:
    """Solving, placing pumps and sweeping in this process need no extra; `make test` installs
    every extra (the test extra includes all)."""
    project = _pyproject()["project"]
    base = " ".join(project["dependencies"])
    extras = project["optional-dependencies"]
    for name in ("fastapi", "uvicorn", "dask", "pyarrow", "uvloop", "httptools"):
        assert name not in base, name
    assert any(r.startswith("fastapi") for r in extras["service"])
    assert any(r.startswith("dask[distributed]") for r in extras["dask"])
    assert any(r.startswith("pyarrow") for r in extras["dask"])
    assert extras["all"] == ["wdnopt[dask,service]"]
    assert "wdnopt[all]" in extras["test"]
