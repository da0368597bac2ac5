"""The EPANET run of a tree network with inserted pumps, from an ``.inp`` text kept in memory.

:class:`PumpedNetworkSolver` writes the network once (wntr, LPS units, one demand-driven period
at the demand factor and hour, as :func:`~wdnopt.models.pumps.hydraulics.simulate` does) and
keeps the text. For each set of pumps it edits that text, writes it to its own temporary
directory, opens it in the EPANET 2.2 toolkit (a project of its own), solves one period and
reads the pressures in double precision. Per set of pumps, for ``v`` with parent ``a(v)``:

- a junction ``X_v`` (zero demand) is appended to ``[JUNCTIONS]``;
- the line of ``e_v`` (in ``[PIPES]``, ``[PUMPS]`` or ``[VALVES]``) has ``a(v)`` replaced by
  ``X_v`` at the same end: every other field of the line is kept as written;
- a constant-power pump ``a(v) → X_v`` is appended to ``[PUMPS]`` (``POWER`` in kW: LPS file).

This is the network :func:`~wdnopt.solvers.pumps.verify.with_pumps` builds, written as wntr
would write it, without copying the wntr model. Editing a project in place through
``EN_addnode``/``EN_addlink``/``EN_deletelink``/``EN_deletenode`` is not used: with the EPANET
2.2.0 library that wntr ships, a cycle of adding pumps, solving and deleting them on the
1,747-node tree ends in a segmentation fault as soon as a solve has more pumps than the solve
before it (likely cause: ``inithyd`` writes the tanks' entries of ``OldStatus`` at
``Nlinks + i``, an array ``EN_addlink`` does not grow). Opening the edited text costs a few
milliseconds.

:func:`network_signature` is a hash of what EPANET reads from a wntr network (nodes, links,
patterns, curves, controls, options): a cached solver is reused only for the same signature.
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
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import wntr

from wdnopt.models.pumps.hydraulics import _steady_options, check_factor, resolve_hour

_EPANET_LOCK = threading.Lock()
"""One EPANET project at a time in a process. EPANET 2.2.0's input reader keeps state outside
the project handle: two threads opening their own files at once were seen to fail with error
200 ("errors in input file"). Parallel sweeps use processes, which this lock does not touch."""

logger = logging.getLogger(__name__)

_EN_PRESSURE = 11
_EN_NODECOUNT, _EN_TANKCOUNT = 0, 1
_LINK_SECTIONS = ("[PIPES]", "[PUMPS]", "[VALVES]")


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
    """The pump's ``POWER`` field as written in the ``.inp`` (kW in an LPS file)."""


def network_signature(wn: wntr.network.WaterNetworkModel) -> int:
    """A hash of the hydraulic data of ``wn``: equal networks give equal signatures.

    Covers every node (type, elevation or head, demands, emitter, tank data), every link
    (type, end nodes, status, setting, dimensions, pump and valve data), patterns, curves,
    controls and options; coordinates and names of the network are left out.
    """
    parts: list[object] = [
        (
            name,
            j.elevation,
            j.emitter_coefficient,
            # the demand list's own list: iterating the sequence wrapper is 5x slower
            tuple((d.base_value, d.pattern_name) for d in _items(j.demand_timeseries_list)),
        )
        for name, j in wn.junctions()
    ]
    parts.extend((name, r.base_head, r.head_pattern_name) for name, r in wn.reservoirs())
    parts.extend(
        (name, t.elevation, t.init_level, t.min_level, t.max_level, t.diameter, t.min_vol,
         t.vol_curve_name, t.overflow)
        for name, t in wn.tanks()
    )  # fmt: skip
    parts.extend(
        (name, p.start_node_name, p.end_node_name, p.initial_status.value, p.length, p.diameter,
         p.roughness, p.minor_loss, p.check_valve)
        for name, p in wn.pipes()
    )  # fmt: skip
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
    return hash(tuple(parts))


def _items(sequence: Sequence[object]) -> Sequence[object]:
    """The list inside a wntr demand list (the sequence itself if that changes)."""
    inner = getattr(sequence, "_list", None)
    return inner if isinstance(inner, list) else sequence


def _remove_dir(path: str, owner: int) -> None:
    """Remove a temporary directory, only in the process that made it (not in a fork)."""
    if os.getpid() == owner:
        shutil.rmtree(path, ignore_errors=True)


class PumpedNetworkSolver:
    """A network at one demand factor and hour, solved in EPANET with any set of new pumps.

    Not for concurrent use: one solver per thread (it has a lock) and per process (a forked
    copy refuses to run: its files belong to the parent).
    """

    def __init__(
        self, wn: wntr.network.WaterNetworkModel, factor: float, hour: int | None = None
    ) -> None:
        self.network = wn.name
        self.factor = check_factor(factor)
        self.hour = resolve_hour(wn, hour)
        self._pid = os.getpid()
        self._dir = tempfile.mkdtemp(prefix="wdnopt-verify-")
        self._finalizer = weakref.finalize(self, _remove_dir, self._dir, self._pid)
        self._lock = threading.Lock()
        base = Path(self._dir) / "base.inp"
        # the period's options go on a shallow copy: ``wn`` itself, which other threads may be
        # reading, is never modified, not even for the time of the write
        shadow = copy.copy(wn)
        with _steady_options(shadow, self.factor, self.hour, "LPS"):
            wntr.network.write_inpfile(shadow, str(base), units="LPS", version=2.2)
        self._lines = base.read_text(encoding="latin-1").splitlines()
        base.unlink()
        self._index_lines()
        self.elevation = {name: float(n.elevation) for name, n in wn.junctions()}
        self.elevation.update({name: float(n.elevation) for name, n in wn.tanks()})
        self.elevation.update({name: float(n.base_head) for name, n in wn.reservoirs()})
        self.names = frozenset(wn.node_name_list) | frozenset(wn.link_name_list)
        self._en = wntr.epanet.toolkit.ENepanet(version=2.2)
        self._index_cache: tuple[tuple[str, ...], np.ndarray] | None = None
        self._n_junctions = -1
        self._n_nodes = -1

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
        if "[JUNCTIONS]" not in ends or "[PUMPS]" not in ends:
            raise RuntimeError("the written network has no [JUNCTIONS] or [PUMPS] section")
        self._junctions_end = ends["[JUNCTIONS]"]
        self._pumps_end = ends["[PUMPS]"]

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
        new_pumps = [f" {s.pump} {s.parent} {s.junction} POWER {s.power} ;" for s in pumps]
        cuts = sorted([(self._junctions_end, junctions), (self._pumps_end, new_pumps)])
        out: list[str] = []
        start = 0
        for at, extra in cuts:
            out.extend(lines[start:at])
            out.extend(extra)
            start = at
        out.extend(lines[start:])
        return "\n".join(out) + "\n"

    def pressures(self, node_names: Sequence[str], pumps: Sequence[PumpSpec]) -> np.ndarray:
        """Pressure (m) at each of ``node_names`` (NaN for a name not in the network)."""
        if os.getpid() != self._pid:
            raise RuntimeError("a PumpedNetworkSolver cannot be used in a forked process")
        with _EPANET_LOCK, self._lock:
            path = Path(self._dir) / "run.inp"
            path.write_text(self.inp_text(pumps), encoding="latin-1")
            en = self._en
            en.ENopen(str(path), str(Path(self._dir) / "run.rpt"), "")
            try:
                index = self._node_indices(node_names, len(pumps))
                en.ENopenH()
                en.ENinitH(0)
                en.ENrunH()
                out = np.full(len(node_names), np.nan)
                value = ctypes.c_double()
                lib, project = en.ENlib, en._project
                for pos in np.flatnonzero(index > 0):
                    code = lib.EN_getnodevalue(
                        project, int(index[pos]), _EN_PRESSURE, ctypes.byref(value)
                    )
                    if code:
                        en.errcode = code
                        en._error()
                    out[pos] = value.value
                en.ENcloseH()
            finally:
                en.ENclose()
        return out

    def _node_indices(self, node_names: Sequence[str], added: int) -> np.ndarray:
        """EPANET indices of ``node_names`` in a project with ``added`` new junctions (0 where
        unknown). New junctions come after the network's junctions, so the indices of
        reservoirs and tanks move up by ``added``."""
        en = self._en
        key = tuple(node_names)
        if self._index_cache is None or self._index_cache[0] != key:
            # the first call: the indices in the project just opened, less the new junctions
            count, tanks = ctypes.c_int(), ctypes.c_int()
            en.ENlib.EN_getcount(en._project, _EN_NODECOUNT, ctypes.byref(count))
            en.ENlib.EN_getcount(en._project, _EN_TANKCOUNT, ctypes.byref(tanks))
            self._n_nodes = count.value - added
            self._n_junctions = self._n_nodes - tanks.value
            base = np.zeros(len(key), dtype=np.int64)
            found = ctypes.c_int()
            for pos, name in enumerate(key):
                if name in self.elevation:
                    code = en.ENlib.EN_getnodeindex(
                        en._project, name.encode("latin-1"), ctypes.byref(found)
                    )
                    if code == 0:
                        base[pos] = found.value
            base[base > self._n_junctions] -= added
            self._index_cache = (key, base)
        base = self._index_cache[1]
        count = ctypes.c_int()
        en.ENlib.EN_getcount(en._project, _EN_NODECOUNT, ctypes.byref(count))
        if count.value != self._n_nodes + added:
            raise RuntimeError(f"EPANET read {count.value} nodes, {self._n_nodes + added} expected")
        return np.where(base > self._n_junctions, base + added, base)

    def close(self) -> None:
        """Remove the solver's temporary directory."""
        self._finalizer()

    def __enter__(self) -> PumpedNetworkSolver:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
