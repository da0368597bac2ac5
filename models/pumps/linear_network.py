"""The linear model of a looped network around a steady state: pressure per metre of pump head.

Around a solved state (heads ``h``, flows ``q``, link statuses) every open link ``e = (u, v)``
is linearised as a conductance :math:`c_e = (\\partial \\Delta h_e / \\partial q_e)^{-1}`:

- a pipe: :math:`\\Delta h = r |q|^{n-1} q + m q|q|`, so :math:`\\partial \\Delta h/\\partial q
  = n_e |h_u - h_v| / |q|` with ``n = 1.852`` (Hazen–Williams) or 2 (Darcy–Weisbach,
  Chezy–Manning); flows below :data:`Q_FLOOR` use the pipe's resistance at that flow;
- an existing pump with a head curve :math:`h = A - B q^C` running: :math:`B C q^{C-1}`;
  a constant-power pump :math:`P/(\\rho g q^2)`; a pump off: no link;
- a throttle or general valve as a pipe (from its state); a pressure-reducing, -sustaining,
  -breaker or flow-control valve holds what it regulates: it is no link, and the node it
  feeds is held at its head (a boost above it stops there);
- a closed link (a pipe shut by its check valve, a pump off) is no link.

Reservoirs and tanks hold their heads. Mass balance at every other junction gives the weighted
Laplacian ``L`` (free junctions only). A head source ``g`` added in the direction ``u → v`` on
link ``e`` changes the heads by

.. math:: \\Delta h = g\\, c_e\\, L^{-1} (\\mathbf{1}_v - \\mathbf{1}_u), \\qquad
    \\Delta q_e = g\\, s_e, \\quad s_e = c_e\\,(1 - c_e R_{uv}),\\quad
    R_{uv} = (\\mathbf{1}_v - \\mathbf{1}_u)^\\top L^{-1} (\\mathbf{1}_v - \\mathbf{1}_u)

(:attr:`LinearNetwork.sensitivity` holds :math:`S_{j,e} = \\partial p_j / \\partial g_e`;
on a tree ``S`` is 1 below ``e`` and 0 elsewhere, and ``s_e = 0``: flows do not change).

A constant-power pump of hydraulic power ``P`` on ``e`` runs where its head and the network
agree: :math:`q' = q_e + s_e H`, :math:`H = P / (\\rho g q')`, i.e.

.. math:: q' = \\tfrac12 \\big(q_e + \\sqrt{q_e^2 + 4 s_e P / (\\rho g)}\\big), \\qquad
    H_{e,k} = \\frac{\\eta_k W_k}{\\rho g\\, q'}

(:attr:`LinearNetwork.head`). A size whose head exceeds :data:`HEAD_MARGIN` of its maximum
head is not usable there; ``cautious`` tests the head at today's flow,
:math:`P/(\\rho g q_e)`, instead (used once a pump has run out of range in the network: the
model's estimate of a pump's flow is then not trusted).

A **curve pump** (:mod:`~wdnopt.models.pumps.curves`, :math:`h_k(q) = A_k - B_k q^{C_k}`) runs
where its curve and the network agree in the same way:

.. math:: q' = q_e + s_e\\, h_k(q'), \\qquad H_{e,k} = h_k(q'),

whose root in :math:`[q_e, Q_{max,k})` is unique (the left side minus the right grows with
:math:`q'`; found by bisection, :func:`curve_heads`); on a tree :math:`q' = q_e`. The size is
not usable where :math:`q_e \\ge Q_{max,k}` (no head at or beyond its zero-head flow), with or
without ``cautious``. A pipe that already holds a new curve pump adds
:math:`-h_k'(q) = C_k B_k q^{C_k - 1}` to its slope (``curves``), where a constant-power
pump adds :math:`H/q = \\eta W/(\\rho g q^2)`.
The model predicts :math:`p_j + \\sum_{e,k} S_{j,e} H_{e,k} y_{e,k}`: exact for one pump on a
tree, a first-order model on loops (several pumps interact; the repair loop simulates again).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp
import scipy.sparse.linalg as spla
import wntr

from wdnopt.models.pumps.costs import RHO_G, Catalogue
from wdnopt.models.pumps.curves import HeadCurve
from wdnopt.models.pumps.hydraulics import FLOW_ROUNDOFF

logger = logging.getLogger(__name__)

Q_FLOOR = 1e-3
"""Flow (m³/s) below which a pipe's slope is taken at this flow (EPANET also floors it)."""

HEAD_MARGIN = 1.0
"""Share of a size's maximum head the model lets it use: the operating point is an estimate."""

HOLDING_VALVES = frozenset({"PRV", "PSV", "PBV", "FCV"})
"""Valves that hold a pressure, a head loss or a flow: no boost passes them."""


class Stopped(Exception):
    """The caller's ``stop`` asked :func:`linearise` to give up between two blocks of
    candidates (its time is up): on a network of ~20,000 junctions the model takes tens of
    seconds, too long to finish past a deadline."""


@dataclass(frozen=True, eq=False)
class LinearNetwork:
    """Pressure sensitivities of the checked junctions to pumps on the candidate pipes."""

    junctions: tuple[str, ...]
    """Rows of :attr:`sensitivity`: the junctions of interest."""
    pipes: tuple[str, ...]
    """Candidate pipes (columns)."""
    upstream: tuple[str, ...]
    """The end of each candidate pipe its flow leaves (where a pump goes)."""
    flow: np.ndarray
    """``q_e`` of each candidate, m³/s (> 0, from ``upstream``)."""
    sensitivity: np.ndarray
    """``S[j, e] = ∂p_j/∂g_e`` (m per m of head added on ``e``)."""
    head: np.ndarray
    """``H[e, k]``: head a size-``k`` pump adds on ``e`` at its operating point, m (0 where
    the size would run above its maximum head)."""


def _pipe_slope(pipe: wntr.network.Pipe, q: float, dh: float, headloss: str) -> float:
    """``∂Δh/∂q`` of a pipe at flow ``q`` (m³/s) with head loss ``dh`` (m)."""
    n = 1.852 if headloss.upper().startswith("H") else 2.0
    if abs(q) > Q_FLOOR:
        return max(n * abs(dh) / abs(q), 1e-9)
    # Hazen–Williams resistance at the floor (any head-loss formula: a slope, not a value)
    c = pipe.roughness if headloss.upper().startswith("H") else 120.0
    r = 10.667 * pipe.length / (c**1.852 * pipe.diameter**4.871)
    minor = pipe.minor_loss / (2 * 9.80665 * (np.pi * pipe.diameter**2 / 4) ** 2)
    return 1.852 * r * Q_FLOOR**0.852 + 2 * minor * Q_FLOOR


def linearise(
    wn: wntr.network.WaterNetworkModel,
    head: pd.Series,
    flow: pd.Series,
    link_open: pd.Series | None,
    junctions: list[str],
    candidates: list[str],
    catalogue: Catalogue,
    pumped: dict[str, tuple[str, float]] | None = None,
    *,
    cautious: bool = False,
    curves: Mapping[str, HeadCurve] | None = None,
    stop: Callable[[], bool] | None = None,
) -> LinearNetwork:
    """The :class:`LinearNetwork` of ``wn`` in a state (heads by node, flows and open flags by
    link), for pumps on ``candidates`` (pipes with flow) seen at ``junctions``.

    ``pumped`` gives the pipes that already hold a new pump: pipe → (the node the pump sits
    at, the head it adds in the state). Such a pipe's head loss is its ends' head difference
    plus that head, and the pump in series adds ``H/q`` to its slope (a constant-power pump's
    head falls as its flow rises), or ``−h'(q)`` when ``curves`` gives the pipe's pump a head
    curve."""
    pumped = pumped or {}
    curves = curves or {}
    headloss = wn.options.hydraulic.headloss
    fixed = set(wn.reservoir_name_list) | set(wn.tank_name_list)
    rows, cols, vals = [], [], []
    for name, link in wn.links():
        q = float(flow.get(name, 0.0))
        if link_open is not None and not bool(link_open.get(name, True)):
            continue
        u, v = link.start_node_name, link.end_node_name
        if link.link_type == "Pipe":
            if link.initial_status == wntr.network.LinkStatus.Closed:
                continue
            dh = float(head[u] - head[v])
            at, lift = pumped.get(name, (None, 0.0))
            if at is not None:
                dh += lift if at == u else -lift
            slope = _pipe_slope(link, q, dh, headloss)
            if at is not None and name in curves:
                slope -= float(curves[name].slope(q))
            elif at is not None and abs(q) > FLOW_ROUNDOFF:
                slope += abs(lift) / abs(q)
        elif link.link_type == "Pump":
            if abs(q) <= FLOW_ROUNDOFF:
                continue
            if link.pump_type == "POWER":
                slope = link.power / 1000.0 / (RHO_G * q * q)
            else:
                _, b, c = link.get_head_curve_coefficients()
                slope = max(b * c * abs(q) ** (c - 1), 1e-9)
        else:  # a valve
            if link.valve_type in HOLDING_VALVES:
                if abs(q) > FLOW_ROUNDOFF:
                    fixed.add(v if q > 0 else u)
                continue
            if abs(q) <= FLOW_ROUNDOFF and abs(float(head[u] - head[v])) < 1e-9:
                continue
            slope = max(2 * abs(float(head[u] - head[v])) / max(abs(q), Q_FLOOR), 1e-9)
        rows.append(u)
        cols.append(v)
        vals.append(1.0 / slope)
    names = [n for n in wn.node_name_list if n not in fixed]
    index = {n: i for i, n in enumerate(names)}
    n = len(names)
    diag = np.zeros(n)
    ii, jj, off = [], [], []
    conductance: dict[tuple[str, str], float] = {}
    for u, v, c in zip(rows, cols, vals, strict=True):
        conductance[(u, v)] = conductance.get((u, v), 0.0) + c
        iu, iv = index.get(u), index.get(v)
        if iu is not None:
            diag[iu] += c
        if iv is not None:
            diag[iv] += c
        if iu is not None and iv is not None:
            ii += [iu, iv]
            jj += [iv, iu]
            off += [-c, -c]
    reg = 1e-12 * (diag.max() if n else 1.0)
    lap = sp.csc_matrix(
        (np.concatenate([diag + reg, off]), (np.r_[np.arange(n), ii], np.r_[np.arange(n), jj])),
        shape=(n, n),
    )
    lu = spla.splu(lap)
    # one right-hand side per candidate: c_e (1_v − 1_u), flows from upstream to downstream
    ups, downs, qs, cs = [], [], [], []
    for name in candidates:
        link = wn.get_link(name)
        q = float(flow.get(name, 0.0))
        up, down = (
            (link.start_node_name, link.end_node_name)
            if q > 0
            else (link.end_node_name, link.start_node_name)
        )
        c = conductance.get((link.start_node_name, link.end_node_name), 0.0)
        ups.append(up)
        downs.append(down)
        qs.append(abs(q))
        cs.append(c)
    c_arr = np.array(cs)
    resistance, sens = _solve_candidates(lu, n, index, ups, downs, junctions, c_arr, stop)
    s = np.clip(c_arr * (1.0 - c_arr * resistance), 0.0, None)
    q_arr = np.array(qs)
    power = catalogue.hydraulic_kw
    q_new = 0.5 * (q_arr[:, None] + np.sqrt(q_arr[:, None] ** 2 + 4 * s[:, None] * power / RHO_G))
    heads = power[None, :] / (RHO_G * np.maximum(q_new, 1e-12))
    # cautious: the range test at today's flow (a pump's own flow may grow less than the
    # model says); otherwise at the operating point the model expects
    tested = power[None, :] / (RHO_G * np.maximum(q_arr[:, None], 1e-12)) if cautious else heads
    heads = np.where(tested <= HEAD_MARGIN * catalogue.max_head_m[None, :], heads, 0.0)
    for k in np.flatnonzero(catalogue.is_curve):
        heads[:, k] = curve_heads(catalogue.sizes[k].curve, q_arr, s)  # type: ignore[arg-type]
    logger.debug(
        "linearised %s: %d free nodes, %d candidates, %d rows", wn.name, n, len(candidates),
        len(junctions),
    )  # fmt: skip
    return LinearNetwork(
        junctions=tuple(junctions),
        pipes=tuple(candidates),
        upstream=tuple(ups),
        flow=q_arr,
        sensitivity=sens,
        head=heads,
    )


CHUNK = 512
"""Candidates solved at once by :func:`_solve_candidates`: the dense right-hand sides and
solutions are nodes × ``CHUNK``, not nodes × candidates (gigabytes from ~5,000 junctions)."""


def _solve_candidates(
    lu: spla.SuperLU,
    n: int,
    index: dict[str, int],
    ups: list[str],
    downs: list[str],
    junctions: list[str],
    conductance: np.ndarray,
    stop: Callable[[], bool] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``R_e = (1_v − 1_u)ᵀ L⁻¹ (1_v − 1_u)`` of every candidate and the sensitivities
    ``S[j, e] = c_e (L⁻¹ (1_v − 1_u))_j`` of ``junctions``, from the factorised Laplacian,
    :data:`CHUNK` candidates at a time; raises :class:`Stopped` when ``stop()`` says so
    before a block."""
    m = len(ups)
    resistance = np.zeros(m)
    sens = np.zeros((len(junctions), m))
    rows = [(r, index[j]) for r, j in enumerate(junctions) if j in index]
    at_rows = np.array([r for r, _ in rows], dtype=int)
    at_nodes = np.array([i for _, i in rows], dtype=int)
    if not (m and n):
        return resistance, sens
    for start in range(0, m, CHUNK):
        if stop is not None and stop():
            raise Stopped(f"linear model stopped after {start} of {m} candidates")
        end = min(start + CHUNK, m)
        rhs = np.zeros((n, end - start))
        for e in range(start, end):
            if downs[e] in index:
                rhs[index[downs[e]], e - start] += 1.0
            if ups[e] in index:
                rhs[index[ups[e]], e - start] -= 1.0
        solved = lu.solve(rhs)
        resistance[start:end] = np.einsum("ie,ie->e", rhs, solved)
        if len(at_rows):
            sens[at_rows, start:end] = solved[at_nodes] * conductance[start:end]
    return resistance, sens


BISECTIONS = 60
"""Halvings of ``[q_e, Q_max]`` in :func:`curve_heads` (the flow to ``2^{-60} Q_max``)."""


def curve_heads(curve: HeadCurve, flow: np.ndarray, s: np.ndarray) -> np.ndarray:
    """``h(q')`` of a curve pump on each candidate: ``q'`` the root of
    :math:`q' - q_e - s_e h(q') = 0` in :math:`[q_e, Q_{max}]` (module notes), by bisection;
    0 where :math:`q_e \\ge Q_{max}`.

    The left side is :math:`-s_e h(q_e) \\le 0` at :math:`q_e` and :math:`Q_{max} - q_e > 0` at
    :math:`Q_{max}`, and it grows with :math:`q'` (``h`` falls), so the root is unique; with
    :math:`s_e = 0` it is :math:`q_e` exactly."""
    q = np.asarray(flow, dtype=float)
    runs = q < curve.max_flow
    lo = q.copy()
    hi = np.maximum(q, curve.max_flow)
    for _ in range(BISECTIONS):
        mid = 0.5 * (lo + hi)
        below = mid - q - s * curve.head(mid) < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(runs, np.maximum(curve.head(lo), 0.0), 0.0)


TERM_MIN = 1e-3
"""Predicted pressure changes below this (m) are left out of the model's rows."""

HELP_MIN = 1e-2
"""A pump that lifts no deficient junction by this much (m) is not a candidate."""

TOP_PIPES = 40
"""Candidate pipes kept per deficient junction: those of largest lift there (the union over
the junctions is the MILP's columns)."""


@dataclass(frozen=True)
class CoverMilp:
    """The placement MILP on the linear model as matrices (see :func:`cover_milp`):
    columns ``y`` of ``pairs`` (pipe, size) then the elastic ``σ`` of the deficient rows;
    :math:`r^L \\le A x \\le r^U`."""

    pairs: np.ndarray
    """``(pipe, size)`` of each ``y`` column, shape ``(n, 2)``."""
    cost: np.ndarray
    integer: np.ndarray
    a: object
    """The constraint matrix (``scipy.sparse``, CSC)."""
    row_lower: np.ndarray
    row_upper: np.ndarray
    gain: np.ndarray
    """The gains ``a[j, c]`` of each junction (every row of the model) and ``y`` column ``c``
    (the pair ``pairs[c]``) the rows were built from; a pair that is no column gains nothing.
    Only these columns are formed: the whole ``a[j, e, k]`` would take junctions × pipes ×
    sizes numbers (gigabytes from ~5,000 junctions)."""

    @property
    def n_cols(self) -> int:
        return int(self.a.shape[1])

    def change(self, chosen: list[tuple[int, int]]) -> np.ndarray:
        """The predicted change of every junction's pressure, ``Σ a[j, e, k]`` over the
        (pipe, size) pairs ``chosen``."""
        column = {(int(e), int(k)): c for c, (e, k) in enumerate(self.pairs)}
        out = np.zeros(self.gain.shape[0])
        for pair in chosen:
            if pair in column:
                out += self.gain[:, column[pair]]
        return out


def greedy_cover(cover: CoverMilp, need: np.ndarray) -> list[tuple[int, int]]:
    """A cover of ``need`` by the gains of ``cover``'s columns, greedily by lift per unit of
    cost.

    At most one size per pipe; each step takes the (pipe, size) of largest
    :math:`\\sum_j \\min(a_{j,e,k}, r_j)^+ / c_{e,k}` over the remaining needs ``r``, with
    ``c`` the column's price in the MILP (by size, or by pipe and size: a curve pump's energy
    depends on its pipe); stops when every need is met or nothing lifts any more. The
    MILP's fallback when HiGHS has no incumbent in its time.
    """
    left = np.maximum(need, 0.0).astype(float)
    chosen: list[tuple[int, int]] = []
    pairs, gain = cover.pairs, cover.gain
    if gain.size == 0:
        return chosen
    price = np.maximum(cover.cost[: len(pairs)], 1e-9)
    blocked = np.zeros(len(pairs), dtype=bool)
    rows = np.flatnonzero(left > 0)
    while (left > 1e-9).any():
        useful = np.minimum(np.maximum(gain[rows], 0.0), left[rows][:, None]).sum(axis=0)
        useful[blocked] = 0.0
        score = useful / price
        c = int(np.argmax(score))
        if score[c] <= 0:
            break
        e, k = int(pairs[c, 0]), int(pairs[c, 1])
        chosen.append((e, k))
        blocked |= pairs[:, 0] == e
        left = np.maximum(left - gain[:, c], 0.0) * (left > 0)
    return chosen


def cover_milp(
    model: LinearNetwork,
    need: np.ndarray,
    floor_rows: dict[int, float],
    ceiling_rows: dict[int, float],
    costs: np.ndarray,
    penalty: float,
) -> CoverMilp:
    """The placement MILP on the linear model, elastic in its lift rows.

    With :math:`a_j(y) = \\sum_{e,k} S_{j,e} H_{e,k} y_{e,k}` (the predicted change of
    ``p_j``, terms under :data:`TERM_MIN` left out):

    .. math::

        \\min \\; \\sum_{e,k} c_k y_{e,k} + M \\sum_j \\sigma_j \\quad
        \\text{s.t.} \\quad
        a_j(y) + \\sigma_j \\ge \\mathrm{need}_j \\;(\\mathrm{need}_j > 0), \\qquad
        a_j(y) \\ge \\mathrm{floor}_j, \\qquad a_j(y) \\le \\mathrm{ceiling}_j, \\qquad
        \\sum_k y_{e,k} \\le 1, \\quad y \\in \\{0,1\\}, \\ \\sigma \\ge 0.

    ``need_j = P_min − p_j`` at deficient rows. ``floor_rows`` (``P_min − p_j ≤ 0``: a
    junction that is fine must not be pulled below ``P_min`` by a pump's suction) and
    ``ceiling_rows`` (``P_max − p_j``) are the rows the caller found at stake (it adds the
    ones a solution breaks and solves again). The elastic ``σ`` (price ``M`` per metre, above
    any plan's cost) lets the model lift what it can when it cannot lift everything. Only the
    :data:`TOP_PIPES` pipes of largest lift at each deficient junction are columns. ``costs``
    is ``c_k`` by size or ``c_{e,k}`` by pipe and size (see :func:`greedy_cover`).

    Built as sparse matrices, whole rows at once (no modelling layer: on a 1,892-junction
    network the model has thousands of columns and a dense block of gains).
    """
    sens, head = model.sensitivity, model.head
    deficient = np.flatnonzero(need > 0)
    usable = head > 0
    if len(deficient):
        lift = np.where(usable[None], sens[deficient][:, :, None] * head[None], 0.0).max(axis=2)
        best = np.zeros(lift.shape[1], dtype=bool)
        top = min(TOP_PIPES, lift.shape[1])
        if top:
            best[np.argpartition(-lift, top - 1, axis=1)[:, :top].ravel()] = True
        usable &= (lift.max(axis=0) > HELP_MIN)[:, None] & best[:, None]
    else:
        usable &= False
    pairs = np.argwhere(usable)  # (pipe, size), in the order of the columns
    n_y, n_s = len(pairs), len(deficient)
    on_pairs = sens[:, pairs[:, 0]] * head[pairs[:, 0], pairs[:, 1]][None, :]  # j × columns
    on_pairs[np.abs(on_pairs) < TERM_MIN] = 0.0
    keep = [j for j in sorted(floor_rows) if on_pairs[j].any()]
    capped = [j for j in sorted(ceiling_rows) if on_pairs[j].any()]
    blocks, lower, upper = [], [], []
    # lift rows: a_j(y) + σ_j ≥ need_j
    blocks.append(sp.hstack([sp.csr_matrix(on_pairs[deficient]),
                                 sp.identity(n_s, format="csr")]))  # fmt: skip
    lower.append(need[deficient].astype(float))
    upper.append(np.full(n_s, np.inf))
    zero_s = sp.csr_matrix((0, n_s))
    for rows, lo, up in (
        (keep, [floor_rows[j] for j in keep], [np.inf] * len(keep)),
        (capped, [-np.inf] * len(capped), [ceiling_rows[j] for j in capped]),
    ):
        block = sp.csr_matrix(on_pairs[rows]) if rows else sp.csr_matrix((0, n_y))
        blocks.append(sp.hstack([block, sp.csr_matrix((len(rows), n_s))])
                      if rows else sp.hstack([block, zero_s]))  # fmt: skip
        lower.append(np.asarray(lo, dtype=float))
        upper.append(np.asarray(up, dtype=float))
    # one size per pipe: Σ_k y_{e,k} ≤ 1
    pipes, which = np.unique(pairs[:, 0], return_inverse=True) if n_y else (np.zeros(0), None)
    one = sp.csr_matrix(
        (np.ones(n_y), (which if n_y else np.zeros(0, int), np.arange(n_y))),
        shape=(len(pipes), n_y),
    )
    blocks.append(sp.hstack([one, sp.csr_matrix((len(pipes), n_s))]))
    lower.append(np.full(len(pipes), -np.inf))
    upper.append(np.ones(len(pipes)))
    price = np.asarray(costs, dtype=float)
    by_pair = price[pairs[:, 1]] if price.ndim == 1 else price[pairs[:, 0], pairs[:, 1]]
    cost = np.concatenate([by_pair if n_y else np.zeros(0),
                           np.full(n_s, float(penalty))])  # fmt: skip
    integer = np.concatenate([np.ones(n_y, dtype=bool), np.zeros(n_s, dtype=bool)])
    return CoverMilp(
        pairs=pairs,
        cost=cost,
        integer=integer,
        a=sp.vstack(blocks).tocsc(),
        row_lower=np.concatenate(lower),
        row_upper=np.concatenate(upper),
        gain=on_pairs,
    )
