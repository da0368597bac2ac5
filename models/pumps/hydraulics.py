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
is what pressure curves use. :class:`PumpedNetworkSolver` solves the network with inserted
booster pumps (any network, looped or not), from an ``.inp`` text kept in memory.

**One EPANET at a time.** This is the one module that opens EPANET projects (with
:mod:`.inp_normalise`, which :func:`read_network` hands the lock), and every open, solve and
close goes through :data:`EPANET_LOCK`. EPANET 2.2.0's input reader keeps state outside
the project handle (two threads opening their own files at once were seen to fail with error
200), and the network object is never modified: the period's options are set on a shallow copy
(:func:`_steady_options`), so threads sharing one network each see it as given. Parallel sweeps
use processes, which the lock does not touch.
"""

from __future__ import annotations

import copy
import ctypes
import logging
import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from operator import attrgetter
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import pandas as pd

from wdnopt.models.errors import InputError
from wdnopt.models.lazy import lazy_import
from wdnopt.models.pumps.collector import paused_gc as _paused_gc
from wdnopt.models.pumps.inp_normalise import read_through_epanet

wntr = lazy_import("wntr")  # seconds to import: only when a network is read

logger = logging.getLogger(__name__)

EPANET_LOCK = threading.RLock()
"""Held for every EPANET project open, solve and close in this process (see the module notes)."""

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
_INIT_FLOWS = 10
"""``EN_initH`` flag: re-initialise flows (and so statuses) before a solve. With 0 a solve
starts from the previous one's flows, and on a network with pumps, tanks and controls (ky10)
Newton's method then ends elsewhere: the second factor's state differed by up to 59 m."""
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
    """Read a network (file path or shipped name); any parse failure is an :class:`InputError`.

    A file wntr's reader refuses is read by EPANET 2.2's own reader and saved again
    (:func:`~.inp_normalise.read_through_epanet`, said in the log); a file EPANET refuses too
    is an :class:`InputError` with EPANET's error code.
    """
    path = network_path(source)
    try:
        wn = read_inp(path)
        refusal = _duplicate_ids(wn)
    except Exception as exc:  # wntr raises many kinds (ENSyntaxError, KeyError, ValueError, ...)
        refusal = f"{type(exc).__name__}: {exc}"
    if refusal is not None:
        wn = read_through_epanet(path, refusal, lock=EPANET_LOCK)
    if wn.num_junctions == 0:
        raise InputError.single("a network with at least one junction", file=path)
    if wn.num_reservoirs + wn.num_tanks == 0:
        raise InputError.single("a network with a reservoir or tank", file=path)
    wn.name = path.stem
    logger.debug("read %s: %s", path, wn.describe())
    return wn


def read_inp(path: str | Path) -> wntr.network.WaterNetworkModel:
    """``wntr.network.WaterNetworkModel(path)``, the same network, faster on large files: the
    ``[JUNCTIONS]`` and ``[PIPES]`` sections are parsed first and their units converted once
    per column (wntr's own ``to_si`` on arrays: the same products), then added element by
    element as wntr adds them. A section whose lines do not parse is read by wntr's own code,
    so its errors are wntr's."""
    wn = wntr.network.WaterNetworkModel()
    inpfile = _batched_reader()()
    inpfile.read(str(path), wn=wn)
    inpfile.__class__ = wntr.epanet.io.InpFile  # kept as wntr keeps it (and picklable)
    wn._inpfile = inpfile
    return wn


_READER: list[type] = []


def _batched_reader() -> type:
    """A subclass of wntr's ``InpFile`` with the batched sections of :func:`read_inp`."""
    if _READER:
        return _READER[0]
    inp = wntr.epanet.io
    util = wntr.epanet.util
    status = wntr.network.LinkStatus

    class BatchedInpReader(inp.InpFile):  # type: ignore[misc, name-defined]
        def _read_junctions(self) -> None:
            try:
                rows = _fields(self.sections["[JUNCTIONS]"])
                elevation = [float(r[1]) for _, r in rows]
                demand = [float(r[2]) if len(r) > 2 else None for _, r in rows]
            except (ValueError, IndexError):
                return super()._read_junctions()
            hyd, units = util.HydParam, self.flow_units
            elev = util.to_si(units, np.array(elevation), hyd.Elevation).tolist()
            given = [d for d in demand if d is not None]
            dem = iter(util.to_si(units, np.array(given), hyd.Demand).tolist() if given else [])
            named = self.wn.options.hydraulic.pattern
            add = self.wn.add_junction
            for (_, r), e, d in zip(rows, elev, demand, strict=True):
                # wntr: the junction's pattern, else the default's name, else a new default
                pat = r[3] if len(r) > 3 else (named or self.wn.patterns.default_pattern)
                add(r[0], next(dem) if d is not None else 0.0, pat, e, demand_category=None)
            return None

        def _read_pipes(self) -> None:
            darcy_weisbach = self.wn.options.hydraulic.headloss == "D-W"
            try:
                rows = _fields(self.sections["[PIPES]"])
                values = [(float(r[3]), float(r[4]), float(r[5])) for _, r in rows]
                extra = []
                for _, r in rows:
                    if len(r) == 8:
                        cv = r[7].upper() == "CV"
                        extra.append((float(r[6]), status.Open if cv else status[r[7].upper()], cv))
                    elif len(r) == 7:
                        extra.append((float(r[6]), status.Open, False))
                    elif len(r) == 6:
                        extra.append((0.0, status.Open, False))
                    else:
                        raise ValueError(len(r))
            except (ValueError, IndexError, KeyError):
                return super()._read_pipes()
            hyd, units = util.HydParam, self.flow_units
            columns = np.array(values, dtype=float).reshape(-1, 3)
            length = util.to_si(units, columns[:, 0], hyd.Length).tolist()
            diameter = util.to_si(units, columns[:, 1], hyd.PipeDiameter).tolist()
            rough = util.to_si(
                units, columns[:, 2], hyd.RoughnessCoeff, darcy_weisbach=darcy_weisbach
            ).tolist()
            add = self.wn.add_pipe
            for (lnum, r), ln, dm, rg, (loss, state, cv) in zip(
                rows, length, diameter, rough, extra, strict=True
            ):
                try:
                    add(r[0], r[1], r[2], ln, dm, rg, loss, state, cv)
                except KeyError as e:
                    raise inp.ENKeyError(203, str(e.args[0]), line_num=lnum) from e
                except ValueError as e:
                    raise inp.ENValueError(211, str(e.args[0]), line_num=lnum) from e
            return None

    _READER.append(BatchedInpReader)
    return BatchedInpReader


def _fields(section: list[tuple[int, str]]) -> list[tuple[int, list[str]]]:
    """The whitespace-separated fields of each line of a section before its comment (lines
    without any left out), with the line number."""
    out = []
    for lnum, line in section:
        fields = line.split(";")[0].split()
        if fields:
            out.append((lnum, fields))
    return out


def _duplicate_ids(wn: wntr.network.WaterNetworkModel) -> str | None:
    """Why the network wntr's reader returned is not the file's, or None: an ID given to two
    nodes (or two links) is kept once by wntr, listed under both kinds (and its file could not
    be written again); EPANET refuses such a file (error 215)."""
    nodes = wn.num_junctions + wn.num_tanks + wn.num_reservoirs
    links = wn.num_pipes + wn.num_pumps + wn.num_valves
    if nodes == wn.num_nodes and links == wn.num_links:
        return None
    return (
        f"wntr's reader kept one of each duplicate ID ({nodes} nodes and {links} links listed, "
        f"{wn.num_nodes} and {wn.num_links} kept)"
    )


# --- the period ------------------------------------------------------------------------------


def demand_by_hour(wn: wntr.network.WaterNetworkModel, hours: int = 24) -> np.ndarray:
    """Total junction demand ``Σ_j D_j(h · 3600)`` (m³/s) at hours ``0 … hours−1``, factor 1.

    ``D_j(t)`` is the sum of base value × pattern value at ``t`` over ``j``'s demands, so the
    base values are summed by pattern first and each pattern is read once per hour.
    """
    by_pattern: dict[str | None, list] = {}
    for _, junction in wn.junctions():
        for demand in inner_list(junction.demand_timeseries_list):
            entry = by_pattern.get(demand.pattern_name)
            if entry is None:
                by_pattern[demand.pattern_name] = [demand, demand.base_value]
            else:
                entry[1] += demand.base_value
    totals = np.zeros(hours)
    for one, base in by_pattern.values():
        pattern = one.pattern
        for h in range(hours):
            totals[h] += base * pattern.at(h * 3600) if pattern else base
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
) -> Iterator[wntr.network.WaterNetworkModel]:
    """A shallow copy of ``wn`` whose options are those of one demand-driven period at ``hour``.

    ``wn`` itself is never modified (other threads may be reading it); the copy shares its
    nodes and links and has options of its own.
    """
    shadow = copy.copy(wn)
    shadow._options = copy.deepcopy(wn._options)
    opts = shadow.options
    opts.time.duration = 0
    opts.time.pattern_start = hour * 3600
    opts.hydraulic.demand_model = "DD"
    opts.hydraulic.demand_multiplier = wn.options.hydraulic.demand_multiplier * factor
    opts.quality.parameter = "NONE"
    if units is not None:
        opts.hydraulic.inpfile_units = units
    yield shadow


def resolve_hour(wn: wntr.network.WaterNetworkModel, hour: int | None) -> int:
    """The given hour (checked ≥ 0), or the peak-demand hour."""
    if hour is None:
        h = peak_hour(wn)
        logger.debug("%s: peak-demand hour %d", wn.name, h)
        return h
    if hour < 0:
        raise InputError.single("an hour ≥ 0", field="hour", got=repr(hour))
    return int(hour)


# --- the written network -------------------------------------------------------------------

_MULTIPLIER_LINE = "{:20s} {:.11g}"
"""wntr's ``[OPTIONS]`` line of the demand multiplier (``wntr.epanet.io``)."""

_TEXT_CACHE_SIZE = 4
_TEXT_LOCK = threading.Lock()
_TEXTS: dict[tuple[int, int], tuple[weakref.ref, int, list[str]]] = {}
"""``(id(wn), hour)`` → (weak ``wn``, its signature, the lines written at factor 1)."""


def steady_inp_lines(
    wn: wntr.network.WaterNetworkModel,
    factor: float,
    hour: int,
    *,
    signature: int | None = None,
) -> list[str]:
    """The lines of the ``.inp`` of one demand-driven period of ``wn`` at ``factor`` and
    ``hour`` (LPS), as wntr writes it from :func:`_steady_options`.

    The network is written once per network object and hour, and kept while its
    :func:`network_signature` (``signature``, computed when not given) stays the same; another
    factor differs only in the ``DEMAND MULTIPLIER`` line, which is written for it in wntr's
    format.
    """
    signature = network_signature(wn) if signature is None else signature
    key = (id(wn), hour)
    with _TEXT_LOCK:
        entry = _TEXTS.get(key)
    if entry is not None and entry[0]() is wn and entry[1] == signature:
        base = entry[2]
    else:
        with tempfile.TemporaryDirectory(prefix="wdnopt-write-") as tmp:
            path = Path(tmp) / "base.inp"
            with _steady_options(wn, 1.0, hour, "LPS") as shadow:
                write_inp(shadow, path)
            base = path.read_text(encoding="latin-1").splitlines()
        with _TEXT_LOCK:
            _TEXTS.pop(key, None)
            _TEXTS[key] = (weakref.ref(wn), signature, base)
            while len(_TEXTS) > _TEXT_CACHE_SIZE:
                del _TEXTS[next(iter(_TEXTS))]
    multiplier = wn.options.hydraulic.demand_multiplier * factor
    if multiplier == wn.options.hydraulic.demand_multiplier:
        return base
    lines = list(base)
    line = _MULTIPLIER_LINE.format("DEMAND MULTIPLIER", multiplier)
    for i, text in enumerate(lines):
        if text.startswith("DEMAND MULTIPLIER "):
            lines[i] = line
            return lines
    raise RuntimeError("the written network has no DEMAND MULTIPLIER line")


def write_inp(wn: wntr.network.WaterNetworkModel, path: str | Path) -> None:
    """``wntr.network.write_inpfile(wn, path, units="LPS", version=2.2)``, the same text,
    faster on large networks: the ``[JUNCTIONS]``, ``[PIPES]`` and ``[COORDINATES]`` sections
    convert their units once per section (wntr's own ``from_si`` on arrays: the same
    divisions) and write their lines at once, instead of one conversion and one write per
    value. The writer state of ``wn`` (read from its file) is copied, not changed."""
    inp = wntr.epanet.io
    base = wn._inpfile if wn._inpfile is not None else inp.InpFile()
    writer = copy.copy(base)
    writer.__class__ = _batched_writer(type(base))
    writer.write(str(path), wn, units="LPS", version=2.2, force_coordinates=False)


_WRITERS: dict[type, type] = {}


def _batched_writer(base: type) -> type:
    """A subclass of wntr's ``InpFile`` (``base``) with the batched sections of
    :func:`write_inp`."""
    if base in _WRITERS:
        return _WRITERS[base]
    inp = wntr.epanet.io
    util = wntr.epanet.util
    enc = inp.sys_default_enc

    class BatchedInpFile(base):  # type: ignore[misc, valid-type]
        def _write_junctions(self, f: Any, wn: Any) -> None:
            f.write("[JUNCTIONS]\n".encode(enc))
            f.write(inp._JUNC_LABEL.format(";ID", "Elevation", "Demand", "Pattern").encode(enc))
            default = wn.options.hydraulic.pattern
            names = list(wn.junction_name_list)
            nodes = wn.nodes
            elevation, demand, pattern = [], [], []
            patterns: dict[object, str] = {}
            for name in names:
                junction = nodes[name]
                first = inner_list(junction.demand_timeseries_list)
                elevation.append(junction.elevation)
                if not first:
                    demand.append(0.0)
                    pattern.append("")
                    continue
                one = first[0]
                demand.append(one.base_value)
                key = one.pattern_name
                if key not in patterns:  # wntr: the pattern object, '' when the default
                    obj = one.pattern
                    patterns[key] = "" if obj is None or obj == default else str(obj)
                pattern.append(patterns[key])
            units, hyd = self.flow_units, util.HydParam
            elev = np.asarray(util.from_si(units, np.array(elevation), hyd.Elevation)).tolist()
            dem = np.asarray(util.from_si(units, np.array(demand), hyd.Demand)).tolist()
            entry = inp._JUNC_ENTRY
            f.write(
                "".join(
                    entry.format(name=n, elev=e, dem=d, pat=p, com=";")
                    for n, e, d, p in zip(names, elev, dem, pattern, strict=True)
                ).encode(enc)
            )
            f.write("\n".encode(enc))

        def _write_pipes(self, f: Any, wn: Any) -> None:
            darcy_weisbach = wn.options.hydraulic.headloss == "D-W"
            f.write("[PIPES]\n".encode(enc))
            f.write(
                inp._PIPE_LABEL.format(
                    ";ID", "Node1", "Node2", "Length", "Diameter", "Roughness", "Minor Loss",
                    "Status",
                ).encode(enc)
            )  # fmt: skip
            names = list(wn.pipe_name_list)
            links = wn.links
            pipes = [links[name] for name in names]
            units, hyd = self.flow_units, util.HydParam
            length = util.from_si(units, np.array([p.length for p in pipes]), hyd.Length)
            diameter = util.from_si(units, np.array([p.diameter for p in pipes]), hyd.PipeDiameter)
            rough = util.from_si(
                units,
                np.array([p.roughness for p in pipes]),
                hyd.RoughnessCoeff,
                darcy_weisbach=darcy_weisbach,
            )
            entry = inp._PIPE_ENTRY
            f.write(
                "".join(
                    entry.format(
                        name=name,
                        node1=p.start_node_name,
                        node2=p.end_node_name,
                        len=ln,
                        diam=dm,
                        rough=rg,
                        mloss=p.minor_loss,
                        status="CV" if p.check_valve else str(p.initial_status),
                        com=";",
                    )
                    for name, p, ln, dm, rg in zip(
                        names,
                        pipes,
                        np.asarray(length).tolist(),
                        np.asarray(diameter).tolist(),
                        np.asarray(rough).tolist(),
                        strict=True,
                    )
                ).encode(enc)
            )
            f.write("\n".encode(enc))

        def _write_coordinates(self, f: Any, wn: Any) -> None:
            f.write("[COORDINATES]\n".encode(enc))
            entry = "{:10s} {:20.9f} {:20.9f}\n"
            label = "{:10s} {:10s} {:10s}\n"
            f.write(label.format(";Node", "X-Coord", "Y-Coord").encode(enc))
            f.write(
                "".join(
                    entry.format(name, node.coordinates[0], node.coordinates[1])
                    for name, node in wn.nodes()
                ).encode(enc)
            )
            f.write("\n".encode(enc))

    _WRITERS[base] = BatchedInpFile
    return BatchedInpFile


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
        _steady_options(wn, factor, hour, None) as shadow,
        tempfile.TemporaryDirectory(prefix="wdnopt-epanet-") as tmp,
        EPANET_LOCK,
    ):
        sim = wntr.sim.EpanetSimulator(shadow)
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
        lines = steady_inp_lines(wn, 1.0, self.hour)
        Path(f"{prefix}.inp").write_text("\n".join(lines) + "\n", encoding="latin-1")
        with EPANET_LOCK:
            en = wntr.epanet.toolkit.ENepanet(version=2.2)
            en.ENopen(f"{prefix}.inp", f"{prefix}.rpt", "")
            self._en = en
            n_nodes = en.ENgetcount(_EN_NODECOUNT)
            n_links = en.ENgetcount(_EN_LINKCOUNT)
            self.node_names = _ids(en, n_nodes, en.ENlib.EN_getnodeid)
            self.link_names = _ids(en, n_links, en.ENlib.EN_getlinkid)
            en.ENopenH()
        self._open = True

    def solve(self, factor: float) -> SteadyState:
        """The steady state at demand factor ``factor``."""
        factor = check_factor(factor)
        en = self._en
        with EPANET_LOCK:
            code = en.ENlib.EN_setoption(
                en._project, _EN_DEMANDMULT, ctypes.c_double(self._base_mult * factor)
            )
            if code:
                en.errcode = code
                en._error()
            en.ENinitH(_INIT_FLOWS)  # every solve from the same start
            en.ENrunH()
            nodes, links = len(self.node_names), len(self.link_names)
            get_node, get_link = en.ENlib.EN_getnodevalue, en.ENlib.EN_getlinkvalue
            pressure = _by_index(en, nodes, _EN_PRESSURE, get_node)
            head = _by_index(en, nodes, _EN_HEAD, get_node)
            demand = _by_index(en, nodes, _EN_DEMAND, get_node) / LPS_PER_M3S
            flow = _by_index(en, links, _EN_FLOW, get_link) / LPS_PER_M3S
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
            with EPANET_LOCK:
                self._en.ENcloseH()
                self._en.ENclose()
            self._open = False
        self._tmp.cleanup()

    def __enter__(self) -> SteadyStateSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _ids(en: Any, count: int, get_id: Any) -> list[str]:
    """The IDs of elements ``1 … count`` (``EN_getnodeid`` or ``EN_getlinkid``)."""
    project = en._project
    buf = ctypes.create_string_buffer(64)
    out = []
    for index in range(1, count + 1):
        code = get_id(project, index, buf)
        if code:
            en.errcode = code
            en._error()
        out.append(buf.value.decode())
    return out


def _by_index(en: Any, count: int, code: int, get_value: Any) -> np.ndarray:
    """``get_value(code)`` of elements ``1 … count`` of the open project, in double precision."""
    project = en._project
    value = ctypes.c_double()
    ref = ctypes.byref(value)
    out = np.empty(count)
    for index in range(1, count + 1):
        err = get_value(project, index, code, ref)
        if err:
            en.errcode = err
            en._error()
        out[index - 1] = value.value
    return out


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


# --- the network with inserted booster pumps -------------------------------------------------

_EN_TANKCOUNT = 1
_EN_STATUS = 11
_LINK_SECTIONS = ("[PIPES]", "[PUMPS]", "[VALVES]")

HYDRAULIC_FAILURES = {1: "hydraulically unbalanced", 2: "hydraulically unstable", 3: "disconnected"}
"""EPANET warning codes of a run whose answer cannot be used (6, negative pressures, can)."""


@dataclass(frozen=True)
class PumpSpec:
    """One inserted pump: ``pump`` from ``parent`` to the new junction ``junction``, which
    takes the place of ``parent`` at its end of ``link``."""

    link: str
    parent: str
    junction: str
    pump: str
    elevation: float
    """Elevation of the new junction, m."""
    power: str
    """The pump's ``POWER`` field as written in the ``.inp`` (kW in an LPS file); empty for a
    pump with a head curve."""
    curve: str = ""
    """The ID of a curve pump's head curve (``HEAD`` in ``[PUMPS]``); empty for constant power."""
    points: tuple[tuple[float, float], ...] = ()
    """The head curve's points ``(flow L/s, head m)``, written to ``[CURVES]``."""


@dataclass(frozen=True, eq=False)
class PumpedState:
    """One EPANET solve of a network with inserted pumps (the network's own nodes and links)."""

    pressure: pd.Series
    """Pressure by node name, m."""
    head: pd.Series
    """Hydraulic head by node name, m."""
    flow: pd.Series
    """Flow by link name, m³/s (start → end positive); the inserted pumps are not in it."""
    pump_flow: dict[str, float]
    """Flow of each inserted pump (by pump name), m³/s, positive forward."""
    pump_head: dict[str, float]
    """Head added by each inserted pump (head at its junction − head at its parent), m."""
    warning: int = 0
    """EPANET's warning code of the solve (0: none; see :data:`HYDRAULIC_FAILURES`)."""
    link_open: pd.Series | None = None
    """Whether each link is open in the solved state (by link name; pumps off and check
    valves shut are closed)."""

    @property
    def converged(self) -> bool:
        return self.warning not in HYDRAULIC_FAILURES


def network_signature(wn: wntr.network.WaterNetworkModel) -> int:
    """A hash of the hydraulic data of ``wn``: equal networks give equal signatures.

    Covers every node (type, elevation or head, demands, emitter, tank data), every link
    (type, end nodes, status, setting, dimensions, pump and valve data), patterns, curves,
    controls and options; coordinates and names of the network are left out.
    """
    try:
        return _signature(wn, _FIELDS_STORED)
    except AttributeError:  # another wntr: its public properties (slower, the same data)
        return _signature(wn, _FIELDS_PUBLIC)


_FIELDS_STORED = (
    attrgetter("_elevation", "_emitter_coefficient", "_demand_timeseries_list"),
    attrgetter("_base", "pattern_name"),
    attrgetter("_start_node._name", "_end_node._name", "_initial_status.value", "_length",
               "_diameter", "_roughness", "_minor_loss", "_check_valve"),
)  # fmt: skip
"""What :func:`network_signature` reads of a junction, a demand and a pipe: the attributes
behind wntr's properties (read directly: the properties cost three times as much)."""

_FIELDS_PUBLIC = (
    attrgetter("elevation", "emitter_coefficient", "demand_timeseries_list"),
    attrgetter("base_value", "pattern_name"),
    attrgetter("start_node_name", "end_node_name", "initial_status.value", "length",
               "diameter", "roughness", "minor_loss", "check_valve"),
)  # fmt: skip


def _signature(wn: wntr.network.WaterNetworkModel, fields: tuple[attrgetter, ...]) -> int:
    junction, demand, pipe = fields
    parts: list[object] = []
    with _paused_gc():  # 10⁵ tuples that live until the hash: no collections
        for name, j in wn.junctions():
            elevation, emitter, demands = junction(j)
            # the demand list's own list: iterating the sequence wrapper is 5x slower
            parts.append((name, elevation, emitter, tuple(map(demand, inner_list(demands)))))
        _link_parts(wn, parts, pipe)
    return hash(tuple(parts))


def _link_parts(wn: wntr.network.WaterNetworkModel, parts: list[object], pipe: attrgetter) -> None:
    """The parts of :func:`network_signature` after the junctions."""
    parts.extend((name, r.base_head, r.head_pattern_name) for name, r in wn.reservoirs())
    parts.extend(
        (name, t.elevation, t.init_level, t.min_level, t.max_level, t.diameter, t.min_vol,
         t.vol_curve_name, t.overflow)
        for name, t in wn.tanks()
    )  # fmt: skip
    parts.extend((name, pipe(p)) for name, p in wn.pipes())
    parts.extend(
        (name, p.start_node_name, p.end_node_name, p.initial_status.value, p.initial_setting,
         p.pump_type, getattr(p, "power", None), getattr(p, "pump_curve_name", None),
         p.base_speed, p.speed_pattern_name)
        for name, p in wn.pumps()
    )  # fmt: skip
    parts.extend(
        (name, v.start_node_name, v.end_node_name, v.initial_status.value, v.initial_setting,
         v.valve_type, v.diameter, v.minor_loss)
        for name, v in wn.valves()
    )  # fmt: skip
    parts.extend((name, tuple(pattern.multipliers)) for name, pattern in wn.patterns())
    parts.extend(
        (name, curve.curve_type, tuple(map(tuple, curve.points))) for name, curve in wn.curves()
    )
    parts.extend((name, str(control)) for name, control in wn.controls())
    parts.append(repr(wn.options))


def inner_list(sequence: Sequence[object]) -> Sequence[object]:
    """The list inside a wntr demand list (the sequence itself if that changes)."""
    inner = getattr(sequence, "_list", None)
    return inner if isinstance(inner, list) else sequence


def _remove_dir(path: str, owner: int) -> None:
    """Remove a temporary directory, only in the process that made it (not in a fork)."""
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


class PumpedNetworkSolver:
    """A network at one demand factor and hour, solved in EPANET with any set of new pumps.

    The network is written once (wntr, LPS units, one demand-driven period at the demand factor
    and hour, as :func:`simulate` does) and the text is kept. For each set of pumps
    (:class:`PumpSpec`) it edits that text, writes it to its own temporary directory, opens it
    in the EPANET 2.2 toolkit (a project of its own), solves one period and reads the values in
    double precision. Per pump, for a link ``e`` and its end node ``a``:

    - a junction ``X`` (zero demand, at ``a``'s elevation) is appended to ``[JUNCTIONS]``;
    - the line of ``e`` (in ``[PIPES]``, ``[PUMPS]`` or ``[VALVES]``) has ``a`` replaced by
      ``X`` at the same end: every other field of the line is kept as written;
    - a constant-power pump ``a → X`` is appended to ``[PUMPS]`` (``POWER`` in kW: LPS file),
      or, for a curve pump, a ``HEAD`` pump with its curve appended to ``[CURVES]`` (L/s, m).

    Editing a project in place through ``EN_addnode``/``EN_addlink``/``EN_deletelink`` is not
    used: with the EPANET 2.2.0 library that wntr ships, a cycle of adding pumps, solving and
    deleting them on the 1,747-node tree ends in a segmentation fault as soon as a solve has more
    pumps than the solve before it (likely cause: ``inithyd`` writes the tanks' entries of
    ``OldStatus`` at ``Nlinks + i``, an array ``EN_addlink`` does not grow). Opening the edited
    text costs a few milliseconds.

    Not for concurrent use: one solver per thread (it has a lock) and per process (a forked
    copy refuses to run: its files belong to the parent).
    """

    def __init__(
        self,
        wn: wntr.network.WaterNetworkModel,
        factor: float,
        hour: int | None = None,
        *,
        signature: int | None = None,
    ) -> None:
        self.network = wn.name
        self.factor = check_factor(factor)
        self.hour = resolve_hour(wn, hour)
        self._pid = os.getpid()
        self._dir = tempfile.mkdtemp(prefix="wdnopt-verify-")
        self._finalizer = weakref.finalize(self, _remove_dir, self._dir, self._pid)
        self._lock = threading.Lock()
        self._lines = steady_inp_lines(wn, self.factor, self.hour, signature=signature)
        self._index_lines()
        self.elevation = {name: float(n.elevation) for name, n in wn.junctions()}
        self.elevation.update({name: float(n.elevation) for name, n in wn.tanks()})
        self.elevation.update({name: float(n.base_head) for name, n in wn.reservoirs()})
        self.node_names = tuple(wn.node_name_list)
        self.link_names = tuple(wn.link_name_list)
        self.names = frozenset(self.node_names) | frozenset(self.link_names)
        self.curve_names = frozenset(wn.curve_name_list)
        self._en = wntr.epanet.toolkit.ENepanet(version=2.2)

    def _index_lines(self) -> None:
        """Line numbers of each link's line and the ends of ``[JUNCTIONS]`` and ``[PUMPS]``."""
        self._link_line: dict[str, int] = {}
        ends: dict[str, int] = {}
        section = ""
        for i, line in enumerate(self._lines):
            text = line.strip()
            if text.startswith("["):
                if section:
                    ends.setdefault(section, i)
                section = text.split()[0].upper()
                continue
            if section in _LINK_SECTIONS and text and not text.startswith(";"):
                self._link_line[text.split()[0]] = i
        if section:
            ends.setdefault(section, len(self._lines))
        if "[JUNCTIONS]" not in ends or "[PUMPS]" not in ends or "[CURVES]" not in ends:
            raise RuntimeError("the written network has no [JUNCTIONS], [PUMPS] or [CURVES]")
        self._junctions_end = ends["[JUNCTIONS]"]
        self._pumps_end = ends["[PUMPS]"]
        self._curves_end = ends["[CURVES]"]

    def inp_text(self, pumps: Sequence[PumpSpec]) -> str:
        """The ``.inp`` text of the network with ``pumps`` inserted."""
        lines = list(self._lines)
        for spec in pumps:
            i = self._link_line[spec.link]
            body, sep, comment = lines[i].partition(";")
            fields = body.split()
            if fields[1] == spec.parent:
                fields[1] = spec.junction
            elif fields[2] == spec.parent:
                fields[2] = spec.junction
            else:
                raise ValueError(f"link {spec.link!r} does not end at {spec.parent!r}")
            lines[i] = " " + " ".join(fields) + " " + sep + comment
        junctions = [f" {s.junction} {s.elevation!r} 0 ;" for s in pumps]
        new_pumps = [
            f" {s.pump} {s.parent} {s.junction} HEAD {s.curve} ;"
            if s.curve
            else f" {s.pump} {s.parent} {s.junction} POWER {s.power} ;"
            for s in pumps
        ]
        curves = [f" {s.curve} {q!r} {h!r}" for s in pumps if s.curve for q, h in s.points]
        cuts = sorted(
            [
                (self._junctions_end, junctions),
                (self._pumps_end, new_pumps),
                (self._curves_end, curves),
            ]
        )
        out: list[str] = []
        start = 0
        for at, extra in cuts:
            out.extend(lines[start:at])
            out.extend(extra)
            start = at
        out.extend(lines[start:])
        return "\n".join(out) + "\n"

    def run(self, pumps: Sequence[PumpSpec]) -> PumpedState:
        """Solve the network with ``pumps`` inserted: every node's pressure and head, every
        link's flow, and each new pump's flow and head."""
        if os.getpid() != self._pid:
            raise RuntimeError("a PumpedNetworkSolver cannot be used in a forked process")
        with EPANET_LOCK, self._lock:
            path = Path(self._dir) / "run.inp"
            path.write_text(self.inp_text(pumps), encoding="latin-1")
            en = self._en
            en.ENopen(str(path), str(Path(self._dir) / "run.rpt"), "")
            try:
                en.ENopenH()
                en.ENinitH(0)
                lib, project = en.ENlib, en._project
                tstep = ctypes.c_long()
                warning = int(lib.EN_runH(project, ctypes.byref(tstep)))
                if warning >= 100:
                    en.errcode = warning
                    en._error()
                get_node, get_link = lib.EN_getnodevalue, lib.EN_getlinkvalue
                at_nodes = _indices(en, self.node_names, lib.EN_getnodeindex)
                at_links = _indices(en, self.link_names, lib.EN_getlinkindex)
                pressure = _values_at(en, at_nodes, _EN_PRESSURE, get_node)
                head = _values_at(en, at_nodes, _EN_HEAD, get_node)
                flow = _values_at(en, at_links, _EN_FLOW, get_link) / LPS_PER_M3S
                status = _values_at(en, at_links, _EN_STATUS, get_link)
                pump_flow = _link_values(en, [s.pump for s in pumps], _EN_FLOW) / LPS_PER_M3S
                ends = _node_values(en, [s.junction for s in pumps], _EN_HEAD) - _node_values(
                    en, [s.parent for s in pumps], _EN_HEAD
                )
                en.ENcloseH()
            finally:
                en.ENclose()
        nodes = pd.Index(self.node_names, name="name")
        links = pd.Index(self.link_names, name="name")
        return PumpedState(
            pressure=pd.Series(pressure, index=nodes),
            head=pd.Series(head, index=nodes),
            flow=pd.Series(flow, index=links),
            pump_flow={s.pump: float(q) for s, q in zip(pumps, pump_flow, strict=True)},
            pump_head={s.pump: float(h) for s, h in zip(pumps, ends, strict=True)},
            warning=warning if warning < 100 else 0,
            link_open=pd.Series(status > 0.5, index=links),
        )

    def pressures(self, node_names: Sequence[str], pumps: Sequence[PumpSpec]) -> np.ndarray:
        """Pressure (m) at each of ``node_names`` (NaN for a name not in the network)."""
        state = self.run(pumps)
        return state.pressure.reindex(list(node_names)).to_numpy(dtype=float)

    def close(self) -> None:
        """Remove the solver's temporary directory."""
        self._finalizer()

    def __enter__(self) -> PumpedNetworkSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _node_values(en: Any, names: Sequence[str], code: int) -> np.ndarray:
    """A toolkit value of every named node of the open project, in double precision."""
    return _values(en, names, code, en.ENlib.EN_getnodeindex, en.ENlib.EN_getnodevalue)


def _link_values(en: Any, names: Sequence[str], code: int) -> np.ndarray:
    """A toolkit value of every named link of the open project, in double precision."""
    return _values(en, names, code, en.ENlib.EN_getlinkindex, en.ENlib.EN_getlinkvalue)


def _indices(en: Any, names: Sequence[str], get_index: Any) -> list[int]:
    """The toolkit index of every named element of the open project."""
    project = en._project
    index = ctypes.c_int()
    ref = ctypes.byref(index)
    out = []
    for name in names:
        err = get_index(project, name.encode("latin-1"), ref)
        if err:
            en.errcode = err
            en._error()
        out.append(index.value)
    return out


def _values_at(en: Any, indices: Sequence[int], code: int, get_value: Any) -> np.ndarray:
    """``get_value(code)`` of the elements at ``indices`` of the open project."""
    project = en._project
    value = ctypes.c_double()
    ref = ctypes.byref(value)
    out = np.empty(len(indices))
    for pos, index in enumerate(indices):
        err = get_value(project, index, code, ref)
        if err:
            en.errcode = err
            en._error()
        out[pos] = value.value
    return out


def _values(en: Any, names: Sequence[str], code: int, get_index: Any, get_value: Any) -> np.ndarray:
    """``get_value(code)`` of every element named, found by ``get_index`` (toolkit calls)."""
    project = en._project
    index, value = ctypes.c_int(), ctypes.c_double()
    out = np.empty(len(names))
    for pos, name in enumerate(names):
        err = get_index(project, name.encode("latin-1"), ctypes.byref(index))
        err = err or get_value(project, index.value, code, ctypes.byref(value))
        if err:
            en.errcode = err
            en._error()
        out[pos] = value.value
    return out
