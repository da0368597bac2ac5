"""Print a pip constraints file that pins every dependency of pyproject.toml to its floor.

``numpy>=2.2.6`` becomes ``numpy==2.2.6``; an extra such as ``dask[distributed]>=2024.8``
pins ``dask`` (and ``distributed``, released in step with it). `make test-min` installs wdnopt
with these constraints, so the suite runs on the oldest versions the project declares.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*>=\s*([^,;\s]+)")
STEP = {"dask": ["distributed"]}
"""Packages versioned in step with a declared one (same version number)."""


def floors(pyproject: Path) -> dict[str, str]:
    data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    pins: dict[str, str] = {}
    project = data["project"]
    requirements = list(project["dependencies"])
    for extra, items in project.get("optional-dependencies", {}).items():
        if extra != "test":  # the test tools float; every runtime extra is pinned at its floor
            requirements += [r for r in items if not r.startswith("wdnopt[")]
    for requirement in requirements:
        match = REQUIREMENT.match(requirement)
        if match is None:
            raise SystemExit(f"{pyproject}: no '>=' floor in dependency {requirement!r}")
        name, extras, version = match.group(1).lower(), match.group(2) or "", match.group(3)
        pins[name] = version
        for other in STEP.get(name, []):
            if other in extras:
                pins[other] = version
    return pins


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("pyproject.toml")
    for name, version in floors(path).items():
        print(f"{name}=={version}")


if __name__ == "__main__":
    main()
