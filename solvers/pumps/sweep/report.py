"""The report of a comparison sweep: ``report.md`` and ``report.html`` in the output folder.

Both are rendered from one list of blocks (headings, paragraphs, tables, figures, code), so
they always say the same thing: the settings that produced the results (scenario, versions,
date, machine, workers), the runs by status and their EPANET check, the gap table, the check of
the paper's TCO bound against the proved optima, the figures and the optimum of every problem.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from wdnopt.solvers.harness.document import (
    CURRENCY,
    Block,
    formatted,
    money,
    percent,
    to_html,
    to_markdown,
)
from wdnopt.solvers.io import FIGURE_FORMATS, data_uri, write_atomic
from wdnopt.solvers.status import Status

# --- formatting ------------------------------------------------------------------------------


GAP_HEADERS = {
    "mean_gap": "mean gap",
    "worst_gap": "worst gap",
    "within_1pct": "within 1 %",
    "compared": "compared (reference > 0)",
    "vs": "reference",
    "worst_cost_over_bound": "worst cost/LB",
}
"""Readable headers of the gap table in the report (``gaps.csv`` keeps the column names)."""


# --- content ---------------------------------------------------------------------------------


def report_blocks(
    frame: pd.DataFrame,
    gaps: pd.DataFrame,
    figures: dict[str, Path],
    info: dict[str, Any],
    images: dict[str, str] | None = None,
) -> list[Block]:
    """The report's content."""
    s = info.get("settings", {})
    blocks = [Block("h1", f"Pump placement comparison: {info['scenario']}")]
    if info.get("description"):
        blocks.append(Block("p", info["description"]))
    where = (
        f"Dask scheduler {info['scheduler']}"
        if info.get("scheduler")
        else (f"{info.get('workers')} local worker(s)")
    )
    settings = pd.DataFrame(
        [
            ("scenario file", info.get("file") or "(built in code)"),
            ("networks", ", ".join(n.get("name") or _net_label(n) for n in s.get("networks", []))),
            ("demand factors", ", ".join(f"{f:g}" for f in s.get("demand_factors", []))),
            ("objectives", ", ".join(s.get("objectives", []))),
            ("algorithms", ", ".join(info.get("algorithms", []))),
            ("seeds (seeded algorithms)", ", ".join(str(x) for x in s.get("seeds", []))),
            (
                "gap reference",
                f"{s.get('reference')} on trees, milp-network on looped networks (proved "
                "optimum, else best certified bound)",
            ),
            (
                "GA initial population",
                {"paper": "paper: random, guided only so pumps are not far above the deficit"}.get(
                    (s.get("options") or {}).get("ga", {}).get("start", "top-down"),
                    "top-down: each deficit sized top-down (stronger than the paper's)",
                )
                if "ga" in info.get("algorithms", [])
                else "– (GA not run)",
            ),
            (
                "P_min",
                f"{s.get('p_min_psi') or s.get('p_min')} {'psi' if s.get('p_min_psi') else 'm'}",
            ),
            ("runs", f"{info['runs']} ({info['ran']} run by this call, the rest read back)"),
            ("executed on", where),
            ("wall time of this call", f"{info['wall_s']:.1f} s"),
            ("date", info["date"]),
            ("machine", info["machine"]),
            ("Python", info["python"]),
            ("versions", ", ".join(f"{k} {v}" for k, v in info["versions"].items())),
        ],
        columns=["setting", "value"],
    )
    blocks += [Block("h2", "Settings"), Block("table", table=settings)]

    blocks += [Block("h2", "Runs")]
    counts = pd.crosstab(frame["algorithm"], frame["status"]).reset_index()
    counts.columns.name = None
    blocks.append(Block("table", table=counts.astype(str)))
    feasible = frame[frame["cost"].notna()]
    checked = feasible[feasible["verified"].notna()]
    verified = int(checked["verified"].astype(bool).sum()) if len(checked) else 0
    text = (
        f"{len(frame)} runs; {len(feasible)} with a placement, of which {len(checked)} were "
        f"simulated in EPANET with their pumps and {verified} keep every junction at or above "
        "P_min (column `verified`)."
    )
    failed = frame[frame["status"] == str(Status.ERROR)]
    if len(failed):
        text += f" {len(failed)} run(s) failed; their messages are in `results.csv`."
    blocks.append(Block("p", text))

    blocks += [
        Block("h2", "Gaps to the optimum"),
        Block(
            "p",
            "Per algorithm and objective: `(cost − optimum) / optimum`, the optimum being the "
            "least cost proved by an exact algorithm of the same problem (or the best lower "
            "bound where none was proved: column `vs`). Problems that need no pump are left "
            "out. `within 1 %` is the share of compared runs whose gap is at most 1 %. "
            "`worst cost/LB` is the largest cost over the best lower bound of the problem "
            '(the paper\'s "within a factor of 2 of the bound", read directly). On a looped '
            "network the reference is `milp-network`'s: its proved optimum when it closed "
            "the gap, else its certified lower bound (the other algorithms' bounds hold for "
            "their tree model only and are not used there).",
        ),
        Block(
            "table",
            table=formatted(
                gaps.rename(columns=GAP_HEADERS),
                {
                    "mean gap": percent,
                    "worst gap": percent,
                    "within 1 %": lambda v: percent(v, 0),
                    "worst cost/LB": lambda v: "–" if v != v else f"{v:.2f}",
                },
            ),
        ),
    ]

    bounds = _bound_check(frame)
    if len(bounds):
        over = bounds[bounds["paper > optimum"] == "yes"]
        blocks += [
            Block("h2", "Lower bounds"),
            Block(
                "p",
                f"MIN-OPEX's valid lower bound and the paper's IV-B figure beside the proved "
                f"optimum. The paper's TCO figure is not a valid bound in general: it exceeds "
                f"the proved optimum in {len(over)} of {len(bounds)} problems here.",
            ),
            Block(
                "table",
                table=formatted(
                    bounds,
                    {
                        "optimum": money,
                        "valid bound": money,
                        "paper's figure": money,
                        "bound / optimum": lambda v: percent(v, 1),
                    },
                ).rename(
                    columns={
                        c: f"{c} ({CURRENCY})" for c in ("optimum", "valid bound", "paper's figure")
                    }
                ),
            ),
        ]

    blocks.append(Block("h2", "Figures"))
    captions = {
        "pressure_curve": "Share of demand junctions below P_min against the demand factor "
        "(paper Fig. 1).",
        "cost": "Cost against the demand factor: every algorithm, the MILP optimum (hollow "
        "where not proved), MIN-OPEX's valid lower bound and the paper's IV-B figure "
        "(paper Fig. 6a/b).",
        "slack": "Mean pressure slack (P − P_min)/P_min at the formerly deficient nodes, from "
        "EPANET (paper Fig. 6c/d).",
        "gap": "Gap of every heuristic to the optimum (hollow where the reference is a bound).",
    }
    images = images or {}
    for name, path in figures.items():
        if Path(path).suffix.lstrip(".") not in FIGURE_FORMATS:
            continue
        base = name.split("_", 1)[0] if name != "pressure_curve" else name
        network = name.split("_", 1)[1] if "_" in name and base != name else ""
        caption = captions.get(base, name) + (f" Network {network}." if network else "")
        blocks.append(
            Block("figure", text=caption, path=Path(path).name, data=images.get(name, ""))
        )

    blocks += [
        Block("h2", "Optimum of every problem"),
        Block("p", "Cost of every algorithm (mean over seeds), beside the reference."),
        Block("table", table=_by_problem(frame)),
        Block("h2", "Files"),
        Block(
            "p",
            "`results.csv` and `results.parquet` (one row per run), `gaps.csv`, "
            "`pressure_curve.csv`, `runs/` (one JSON record per run, with its placement).",
        ),
        Block("h2", "Scenario as validated"),
        Block("code", json.dumps(s, indent=2, default=str)),
    ]
    return blocks


def _net_label(n: dict[str, Any]) -> str:
    if n.get("file"):
        return Path(str(n["file"])).name
    if n.get("shipped"):
        return str(n["shipped"])
    g = n.get("generator") or {}
    return f"generated tree ({g.get('nodes')} junctions, seed {g.get('seed')})"


def _bound_check(frame: pd.DataFrame) -> pd.DataFrame:
    """Per problem with a MIN-OPEX row: optimum, valid bound, paper's figure."""
    rows = []
    bound_rows = frame[frame["status"] == str(Status.BOUND_ONLY)]
    for _, b in bound_rows.iterrows():
        optimum = b["reference"] if b["reference_kind"] == "optimum" else float("nan")
        paper = b["paper_bound"]
        rows.append(
            {
                "network": b["network"],
                "factor": f"{b['demand_factor']:g}",
                "objective": b["objective"],
                "optimum": optimum,
                "valid bound": b["bound"],
                "paper's figure": paper,
                "bound / optimum": b["bound"] / optimum if optimum and optimum > 0 else None,
                "paper > optimum": "yes"
                if pd.notna(paper) and pd.notna(optimum) and paper > optimum * (1 + 1e-9)
                else "no",
            }
        )
    return pd.DataFrame(rows)


def _by_problem(frame: pd.DataFrame) -> pd.DataFrame:
    with_cost = frame[frame["cost"].notna()]
    wide = with_cost.pivot_table(
        index=["network", "demand_factor", "objective"],
        columns="algorithm",
        values="cost",
        aggfunc="mean",
        sort=False,
    )
    keys = frame.drop_duplicates(["network", "demand_factor", "objective"]).set_index(
        ["network", "demand_factor", "objective"]
    )[["deficient_nodes", "reference", "reference_kind"]]
    table = keys.join(wide).reset_index()
    table["demand_factor"] = [f"{f:g}" for f in table["demand_factor"]]
    labels = ("network", "demand_factor", "objective", "deficient_nodes", "reference_kind")
    costs = [c for c in table.columns if c not in labels]
    formats = {c: money for c in costs}
    formats["deficient_nodes"] = lambda v: "–" if v is pd.NA or v is None else str(v)
    formats["reference_kind"] = lambda v: "–" if v is pd.NA or v is None else str(v)
    table = formatted(table, formats)
    headers = {"demand_factor": "factor", "deficient_nodes": "junctions below P_min",
               "reference_kind": "reference is"}  # fmt: skip
    headers.update({c: f"{c} ({CURRENCY})" for c in costs})
    return table.rename(columns=headers)


# --- rendering -------------------------------------------------------------------------------


def write_report(
    frame: pd.DataFrame,
    gaps: pd.DataFrame,
    figures: dict[str, Path],
    out: Path,
    info: dict[str, Any],
    images: dict[str, str] | None = None,
) -> dict[str, Path]:
    """Write ``report.md`` and ``report.html`` in ``out``; returns their paths.

    ``report.md`` links the figure files beside it; ``report.html`` embeds every figure
    (``images``: name → ``data:`` URI; by default the PNG or SVG file itself), so it can be
    sent alone.
    """
    if images is None:
        images = {
            name: data_uri(Path(path).read_bytes(), Path(path).suffix.lstrip("."))
            for name, path in figures.items()
            if Path(path).suffix.lstrip(".") in ("png", "svg") and Path(path).is_file()
        }
    blocks = report_blocks(frame, gaps, figures, info, images)
    return {
        "report_md": write_atomic(out / "report.md", to_markdown(blocks)),
        "report_html": write_atomic(out / "report.html", to_html(blocks)),
    }
