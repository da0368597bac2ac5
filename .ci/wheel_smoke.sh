#!/usr/bin/env bash
# Build the wheel, install it (not editable, with the dependencies its metadata declares, no
# extra: the base install) into a virtual environment of its own, and run the examples from an
# empty folder outside the clone: a pump placement with the default catalogue, the routing
# worked example, a small sweep, the routing sweep of the README (in this process: no Dask), and
# `wdnopt serve`, which without the service extra says in one line what to install. The wheel
# and the sdist carry the LICENSE file.
#
# The environment is kept in build/wheel-venv between runs (made anew when pyproject.toml
# changes) and wdnopt is reinstalled from the fresh wheel each time; `pip check` then proves
# every declared dependency is installed. No --system-site-packages, no --no-deps alone.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
BUILD="$ROOT/build/wheel-test"
VENV="$ROOT/build/wheel-venv"
STAMP="$VENV/.pyproject-sha"
SHA="$(sha256sum "$ROOT/pyproject.toml" | cut -d' ' -f1)"

rm -rf "$BUILD"
"$ROOT/.venv/bin/python" -m pip wheel -qq --no-deps --wheel-dir "$BUILD" "$ROOT"
rm -rf "$ROOT/build/lib" "$ROOT/build/bdist."*
WHEEL="$(ls "$BUILD"/wdnopt-*.whl)"
"$ROOT/.venv/bin/python" -P -m build -q --sdist --outdir "$BUILD" "$ROOT" > /dev/null
SDIST="$(ls "$BUILD"/wdnopt-*.tar.gz)"

echo "== the licence and the wdnopt package in the wheel and the sdist"
"$ROOT/.venv/bin/python" - "$WHEEL" "$SDIST" <<'PY'
import sys
import tarfile
import zipfile

wheel = zipfile.ZipFile(sys.argv[1]).namelist()
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in wheel), "no LICENSE in the wheel"
assert {"wdnopt/__init__.py", "wdnopt/__main__.py"} <= set(wheel), "no wdnopt package"
with tarfile.open(sys.argv[2]) as sdist:
    names = sdist.getnames()
assert any(n.count("/") == 1 and n.endswith("/LICENSE") for n in names), "no LICENSE in the sdist"
print("LICENSE in the wheel and the sdist: ok")
PY

if [[ ! -x "$VENV/bin/python" || "$(cat "$STAMP" 2>/dev/null)" != "$SHA" ]]; then
    rm -rf "$VENV"
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -qq --upgrade pip
fi
"$VENV/bin/python" -m pip install -qq --force-reinstall --no-deps "$WHEEL"
"$VENV/bin/python" -m pip install -qq "$WHEEL"   # installs any declared dependency missing
"$VENV/bin/python" -m pip check
echo "$SHA" > "$STAMP"

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
W="$VENV/bin/wdnopt"
PY="$VENV/bin/python"

echo "== the installed package, not the clone"
"$PY" - "$ROOT" <<'PY'
import sys
from pathlib import Path

import wdnopt
import wdnopt.solvers.cli.main as main
from wdnopt.models.pumps.catalogue import DEFAULT_CATALOGUE

root = Path(sys.argv[1])
for path in (Path(wdnopt.__file__), Path(main.__file__), DEFAULT_CATALOGUE):
    for folder in ("package", "models", "solvers", "data", "scenarios"):
        assert not path.resolve().is_relative_to(root / folder), f"{path} is in the clone"
assert DEFAULT_CATALOGUE.is_file(), DEFAULT_CATALOGUE
print("ok:", Path(main.__file__).parent.parent.parent)
PY
"$W" --version
"$PY" -m wdnopt --version
"$PY" - <<'PY'
import importlib.util
from importlib.metadata import version

import wdnopt

assert wdnopt.__version__ == version("wdnopt"), wdnopt.__version__
assert callable(wdnopt.place_pumps) and callable(wdnopt.solve_routing)
for name in ("fastapi", "uvicorn", "distributed", "dask", "pyarrow"):
    assert importlib.util.find_spec(name) is None, f"{name} installed without its extra"
print("import wdnopt:", wdnopt.__version__, "; base install: no fastapi, uvicorn, dask, pyarrow")
PY

echo "== wdnopt serve without the service extra: one line naming the pip install, exit 2"
set +e
"$W" serve > serve.out 2> serve.err
code=$?
set -e
cat serve.err
[[ $code == 2 && ! -s serve.out && "$(wc -l < serve.err)" == 1 ]] ||
    { echo "wdnopt serve: exit $code, not one line on stderr"; exit 1; }
grep -qF "pip install 'wdnopt[service]'" serve.err

echo "== pump placement with the default catalogue, in an empty folder"
cat > tree.toml <<'TOML'
kind = "pump_placement"
demand_factors = [2.5]
objective = "tco"
[network]
generator = { nodes = 40, seed = 3 }
TOML
"$W" solve tree.toml --algorithm tree-dp --json > tree.json
"$PY" -c "import json; d = json.load(open('tree.json')); print('pump placement:', d['status'])"

echo "== the examples, copied out of the package"
"$W" examples .
"$W" solve scenarios/routing/two_sources_three_plants_six_zones.toml --json > routing.json
"$PY" - <<'PY'
import json

d = json.load(open("routing.json"))
assert d["status"] == "optimal" and abs(d["objective"] - 989.0) < 1e-6, d["objective"]
print("routing example:", d["status"], d["objective"])
PY
"$W" solve scenarios/pumps/tree_1747_tco.toml --algorithm tree-dp > /dev/null
echo "shipped tree with the default catalogue: ok"
"$W" solve scenarios/pumps/net3_network.toml --plot net3_plan.png > /dev/null
"$W" pressure-curve data/networks/tree_1747.inp --factors 1.0:3.0:0.5 --plot curve.svg > /dev/null
"$W" resilience scenarios/routing/two_sources_three_plants_six_zones.toml --json > n1.json
"$W" --help > /dev/null
"$PY" - <<'PY'
import json
from pathlib import Path

assert Path("net3_plan.png").read_bytes()[:4] == b"\x89PNG"
assert Path("curve.svg").read_bytes().startswith(b"<?xml")
assert json.load(open("n1.json"))["base"]["objective"] == 989.0
print("README commands (Net3 plan, pressure curve, resilience): ok")
PY

echo "== a small sweep"
cat > sweep.toml <<'TOML'
kind = "pump_comparison"
networks = [{ file = "data/networks/tree_100.inp" }]
demand_factors = [2.5]
objectives = ["opex"]
algorithms = ["milp", "tree-pump"]
TOML
"$W" compare sweep.toml --out sweep --workers 1 > /dev/null
"$PY" - <<'PY'
import csv

rows = list(csv.DictReader(open("sweep/results.csv")))
assert len(rows) == 2, rows
assert all(r["status"] in ("optimal", "heuristic", "feasible") for r in rows), rows
print("sweep:", len(rows), "runs;", sorted(r["algorithm"] for r in rows))
PY
echo "== the routing sweep of the README"
"$W" compare scenarios/routing/daily_sweep.toml --out daily_sweep --json > daily_sweep.json
"$PY" - <<'PY'
import json
from pathlib import Path

d = json.load(open("daily_sweep.json"))
assert d["kind"] == "routing_sweep" and d["runs"] == 48 and d["failed"] == 0, d
assert Path("daily_sweep/report.html").stat().st_size > 0
print("routing sweep:", d["runs"], "runs;", d["by_status"])
PY
echo "wheel smoke test: passed"
