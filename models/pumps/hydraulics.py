"""EPANET steady states of a water network at a scaled demand (the hydraulics under pump placement).

A network is an EPANET ``.inp`` file, or one of the networks shipped with wntr
(:data:`SHIPPED_NETWORKS`, read from the installed wntr package, never copied).

One steady state is one demand-driven EPANET hydraulic solve of a single period:

- **Demand factor** ``f``: every junction demand ``D_j(t)`` (all demand categories, base value
  times its pattern) becomes ``f · D_j(t)``. This is EPANET's ``DEMAND MULTIPLIER`` option, set
  to ``f`` times the file's own multiplier, so the file itself is never edited.
- **Hour** ``h``: the pattern time of the period is ``h · 3600`` s (EPANET's ``PATTERN START``
  is set to it, replacing the file's own). Without an hour, the **peak-demand hour** is used:
  the ``h ∈ {0, …, 23}`` with the largest total junction demand
  ``Σ_j D_j(h · 3600)`` (earliest on ties), see :func:`peak_hour`.
- Tanks are fixed heads at their initial level; the duration is 0 (one period); the file's
  controls act as EPANET applies them at the start of a run. Water quality is switched off.

Pressures come out in m and flows in m³/s (sign: positive from the link's start node to its end
node). Each solve writes its own files in a fresh temporary directory, so parallel runs (threads,
processes, Dask workers) never share a file.

Two engines give the same numbers: :func:`simulate` runs wntr's ``EpanetSimulator`` (write the
``.inp``, run EPANET, read the binary output); :class:`SteadyStateSolver` opens the network once
in the EPANET 2.2 toolkit and re-solves it for each demand factor (no file I/O per solve), which
is what pressure curves use.
"""

from __future__ import annotations

import copy
import ctypes
import logging
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd
import wntr

from wdnopt.models.errors import InputError

logger = logging.getLogger(__name__)

ShippedName = Literal["Net1", "Net3", "Net6", "ky4", "ky10"]
SHIPPED_NETWORKS: tuple[str, ...] = get_args(ShippedName)
"""Networks of the wntr package that can be named instead of a file."""

FLOW_ROUNDOFF = 1e-6
"""Flows (m³/s, i.e. 1 mL/s) up to this size either way are EPANET round-off: read as no flow."""

LPS_PER_M3S = 1000.0
"""L/s in one m³/s (the toolkit runs in LPS so that its values are SI)."""

# EPANET 2.2 toolkit codes (epanet2_enums.h)
_EN_DEMAND, _EN_HEAD, _EN_PRESSURE = 9, 10, 11
_EN_FLOW = 8
_EN_DEMANDMULT = 4
_EN_NODECOUNT, _EN_LINKCOUNT = 0, 2


def shipped_network_path(name: str) -> Path:
    """Path of a network shipped with the installed wntr package (``Net3``, ``ky10``, …)."""
    if name not in SHIPPED_NETWORKS:
        raise InputError.single(
            f"a network file or one of the shipped networks {', '.join(SHIPPED_NETWORKS)}",
            field="network",
            got=repr(name),
        )
    return Path(str(files("wntr").joinpath("library", "networks", f"{name}.inp")))


def network_path(source: str | Path) -> Path:
    """An existing ``.inp`` file: ``source`` itself, or the shipped network of that name."""
    if isinstance(source, str) and source in SHIPPED_NETWORKS:
        return shipped_network_path(source)
    path = Path(source)
    if path.is_file():
        return path
    if isinstance(source, str) and path.suffix == "" and "/" not in source:
        return shipped_network_path(source)  # raises, listing the shipped names
    raise InputError.single("an existing EPANET .inp file", got="no such file", file=path)


def read_network(source: str | Path) -> wntr.network.WaterNetworkModel:
    """Read a network (file path or shipped name); any parse failure is an :class:`InputError`."""
    path = network_path(source)
    try:
        wn = wntr.network.WaterNetworkModel(str(path))
    except Exception as exc:  # wntr raises many kinds (ENSyntaxError, KeyError, ValueError, ...)
        raise InputError.single(
            f"a valid EPANET .inp network ({type(exc).__name__}: {exc})", file=path
        ) from None
    if wn.num_junctions == 0:
        raise InputError.single("a network with at least one junction", file=path)
    if wn.num_reservoirs + wn.num_tanks == 0:
        raise InputError.single("a network with a reservoir or tank", file=path)
    wn.name = path.stem
    logger.debug("read %s: %s", path, wn.describe())
    return wn


# --- the period ------------------------------------------------------------------------------


def demand_by_hour(wn: wntr.network.WaterNetworkModel, hours: int = 24) -> np.ndarray:
    """Total junction demand ``Σ_j D_j(h · 3600)`` (m³/s) at hours ``0 … hours−1``, factor 1."""
    totals = np.zeros(hours)
    for _, junction in wn.junctions():
        for demand in junction.demand_timeseries_list:
            for h in range(hours):
                totals[h] += demand.at(h * 3600)
    return totals * wn.options.hydraulic.demand_multiplier


def peak_hour(wn: wntr.network.WaterNetworkModel) -> int:
    """The hour of the day with the largest total junction demand (earliest on ties)."""
    return int(np.argmax(demand_by_hour(wn)))


def check_factor(factor: float, *, field: str = "demand_factor") -> float:
    """A demand factor must be a finite number > 0."""
    f = float(factor)
    if not (np.isfinite(f) and f > 0):
        raise InputError.single("a demand factor > 0", field=field, got=repr(factor))
    return f


@contextmanager
def _steady_options(
    wn: wntr.network.WaterNetworkModel, factor: float, hour: int, units: str | None
) -> Iterator[None]:
    """Temporarily set ``wn``'s options for one demand-driven period at ``hour``."""
    saved = wn._options
    wn._options = copy.deepcopy(saved)
    try:
        opts = wn.options
        opts.time.duration = 0
        opts.time.pattern_start = hour * 3600
        opts.hydraulic.demand_model = "DD"
        opts.hydraulic.demand_multiplier = saved.hydraulic.demand_multiplier * factor
        opts.quality.parameter = "NONE"
        if units is not None:
            opts.hydraulic.inpfile_units = units
        yield
    finally:
        wn._options = saved


def resolve_hour(wn: wntr.network.WaterNetworkModel, hour: int | None) -> int:
    """The given hour (checked ≥ 0), or the peak-demand hour."""
    if hour is None:
        h = peak_hour(wn)
        logger.debug("%s: peak-demand hour %d", wn.name, h)
        return h
    if hour < 0:
        raise InputError.single("an hour ≥ 0", field="hour", got=repr(hour))
    return int(hour)


# --- results ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class SteadyState:
    """One steady state: pressures, heads and demands by node, flows by link."""

    network: str
    demand_factor: float
    hour: int
    pressure: pd.Series
    """Pressure by node name, m."""
    head: pd.Series
    """Hydraulic head by node name, m."""
    demand: pd.Series
    """Delivered demand by node name, m³/s (negative at sources)."""
    flow: pd.Series
    """Flow by link name, m³/s, positive from the link's start node to its end node."""
    meta: dict[str, Any] = field(default_factory=dict)


def simulate(
    wn: wntr.network.WaterNetworkModel, factor: float = 1.0, hour: int | None = None
) -> SteadyState:
    """One steady state with wntr's ``EpanetSimulator`` (demand-driven EPANET 2.2).

    The network is not modified; the run's files live in a temporary directory of their own.
    """
    factor = check_factor(factor)
    hour = resolve_hour(wn, hour)
    with (
        _steady_options(wn, factor, hour, None),
        tempfile.TemporaryDirectory(prefix="wdnopt-epanet-") as tmp,
    ):
        sim = wntr.sim.EpanetSimulator(wn)
        results = sim.run_sim(file_prefix=str(Path(tmp) / "run"))
    node, link = results.node, results.link
    state = SteadyState(
        network=wn.name,
        demand_factor=factor,
        hour=hour,
        pressure=node["pressure"].iloc[0].astype(float),
        head=node["head"].iloc[0].astype(float),
        demand=node["demand"].iloc[0].astype(float),
        flow=link["flowrate"].iloc[0].astype(float),
        meta={"engine": "EpanetSimulator"},
    )
    logger.debug("%s at factor %.3g, hour %d: simulated", wn.name, factor, hour)
    return state


class SteadyStateSolver:
    """A network opened once in the EPANET 2.2 toolkit, solved again for each demand factor.

    Use as a context manager (or call :meth:`close`). ``solve(f)`` sets EPANET's demand
    multiplier to ``f`` times the file's and solves one period at the fixed hour; the values are
    read in double precision from the toolkit (the ``.inp`` is written in LPS, so they are SI).
    """

    def __init__(self, wn: wntr.network.WaterNetworkModel, hour: int | None = None) -> None:
        self.network = wn.name
        self.hour = resolve_hour(wn, hour)
        self._base_mult = float(wn.options.hydraulic.demand_multiplier)
        self._tmp = tempfile.TemporaryDirectory(prefix="wdnopt-toolkit-")
        prefix = Path(self._tmp.name) / "net"
        with _steady_options(wn, 1.0, self.hour, "LPS"):
            wntr.network.write_inpfile(wn, f"{prefix}.inp", units="LPS", version=2.2)
        en = wntr.epanet.toolkit.ENepanet(version=2.2)
        en.ENopen(f"{prefix}.inp", f"{prefix}.rpt", "")
        self._en = en
        n_nodes = en.ENgetcount(_EN_NODECOUNT)
        n_links = en.ENgetcount(_EN_LINKCOUNT)
        self.node_names = [en.ENgetnodeid(i) for i in range(1, n_nodes + 1)]
        self.link_names = [_link_id(en, i) for i in range(1, n_links + 1)]
        en.ENopenH()
        self._open = True

    def solve(self, factor: float) -> SteadyState:
        """The steady state at demand factor ``factor``."""
        factor = check_factor(factor)
        en = self._en
        code = en.ENlib.EN_setoption(
            en._project, _EN_DEMANDMULT, ctypes.c_double(self._base_mult * factor)
        )
        if code:
            en.errcode = code
            en._error()
        en.ENinitH(0)
        en.ENrunH()
        nodes = range(1, len(self.node_names) + 1)
        links = range(1, len(self.link_names) + 1)
        pressure = [en.ENgetnodevalue(i, _EN_PRESSURE) for i in nodes]
        head = [en.ENgetnodevalue(i, _EN_HEAD) for i in nodes]
        demand = [en.ENgetnodevalue(i, _EN_DEMAND) / LPS_PER_M3S for i in nodes]
        flow = [en.ENgetlinkvalue(i, _EN_FLOW) / LPS_PER_M3S for i in links]
        idx, lidx = pd.Index(self.node_names, name="name"), pd.Index(self.link_names, name="name")
        return SteadyState(
            network=self.network,
            demand_factor=factor,
            hour=self.hour,
            pressure=pd.Series(pressure, index=idx, dtype=float),
            head=pd.Series(head, index=idx, dtype=float),
            demand=pd.Series(demand, index=idx, dtype=float),
            flow=pd.Series(flow, index=lidx, dtype=float),
            meta={"engine": "toolkit"},
        )

    def close(self) -> None:
        if self._open:
            self._en.ENcloseH()
            self._en.ENclose()
            self._open = False
        self._tmp.cleanup()

    def __enter__(self) -> SteadyStateSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _link_id(en: Any, index: int) -> str:
    """``EN_getlinkid`` (not wrapped by wntr's toolkit class)."""
    buf = ctypes.create_string_buffer(64)
    code = en.ENlib.EN_getlinkid(en._project, index, buf)
    if code:
        en.errcode = code
        en._error()
    return buf.value.decode()


# --- pressure curves (the paper's Fig. 1) ----------------------------------------------------


def demand_junctions(wn: wntr.network.WaterNetworkModel) -> list[str]:
    """Junctions with a positive base demand (any category)."""
    return [
        name
        for name, j in wn.junctions()
        if sum(d.base_value for d in j.demand_timeseries_list) > 0
    ]


def pressure_curve(
    wn: wntr.network.WaterNetworkModel,
    factors: Iterable[float],
    p_min: float,
    hour: int | None = None,
) -> pd.DataFrame:
    """Share of demand junctions below ``p_min`` at each demand factor.

    Columns: ``factor``, ``below`` (count of demand junctions with ``p < p_min``), ``share``
    (``below`` / number of demand junctions), ``junctions``, ``min_pressure`` (m, over demand
    junctions). The network is opened once (:class:`SteadyStateSolver`).
    """
    factors = [check_factor(f, field="factors") for f in factors]
    names = demand_junctions(wn)
    if not names:
        raise InputError.single("a network with at least one demand junction", field="network")
    rows = []
    with SteadyStateSolver(wn, hour) as solver:
        for f in factors:
            p = solver.solve(f).pressure.loc[names].to_numpy()
            below = int(np.count_nonzero(p < p_min))
            rows.append(
                {
                    "factor": f,
                    "below": below,
                    "share": below / len(names),
                    "junctions": len(names),
                    "min_pressure": float(p.min()),
                }
            )
            logger.debug("factor %.3g: %d of %d below %.3f m", f, below, len(names), p_min)
    return pd.DataFrame(rows)
