"""As in a notebook: importing wdnopt and drawing its figures leaves matplotlib as it was.

A notebook chooses its own backend (inline, widget, ...). Nothing in wdnopt may switch it, nor
open pyplot figures behind the user's back. The check runs in a fresh interpreter whose backend
is set to ``svg`` (not the ``Agg`` a library might force) before wdnopt is imported.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib
    import pkgutil

    import matplotlib

    matplotlib.use("svg")
    import matplotlib.pyplot as plt
    import pandas as pd

    import wdnopt.models
    import wdnopt.solvers

    imported = []
    for package in (wdnopt.models, wdnopt.solvers):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            importlib.import_module(info.name)
            imported.append(info.name)
    assert matplotlib.get_backend() == "svg", ("after imports", matplotlib.get_backend())

    from wdnopt.solvers.cli.pressure import curve_figure
    from wdnopt.solvers.pumps.sweep.figures import pressure_curve_figure
    from wdnopt.solvers.io import figure_bytes

    curve = pd.DataFrame(
        {"network": "n", "factor": [1.0, 2.0], "share": [0.0, 0.5], "below": [0, 1],
         "junctions": [2, 2], "min_pressure": [20.0, 10.0]}
    )
    for fig in (pressure_curve_figure(curve, 15.0), curve_figure(curve, "t")):
        for fmt in ("png", "svg", "pdf"):
            assert figure_bytes(fig, fmt, 50)
    assert matplotlib.get_backend() == "svg", ("after figures", matplotlib.get_backend())
    assert plt.get_fignums() == [], plt.get_fignums()
    print(len(imported))
    """
)


def test_importing_every_module_and_drawing_leaves_the_backend_alone() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert int(done.stdout.strip().splitlines()[-1]) > 50  # every module was imported
