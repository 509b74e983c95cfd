"""Boykov-Kolmogorov max-flow / min-cut on graphs whose nodes have at most eight neighbours, compiled with numba and
run without the GIL.

PyMaxflow (the same algorithm in C++) holds the GIL for the whole solve, so a cut on the worker thread froze the app's
event loop for 60-90 ms at a time. This port releases it (``nogil=True``); docs/decisions/0005-gil-free-max-flow.md
says why it is written here. Reference: Y. Boykov and V. Kolmogorov, "An Experimental Comparison of Min-Cut/Max-Flow
Algorithms for Energy Minimization in Vision", PAMI 2004.

Layout: node ``v`` has arc slots ``v * 8 + k``; ``nbr[v, k]`` is the node that arc points to (-1: no arc) and
``cap[v, k]`` its capacity. The reverse of slot ``k`` is slot ``(k + 4) % 8`` of the neighbour, so the neighbour
offsets must be listed as four directions followed by their four opposites (as :data:`GRID_OFFSETS` is).
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: (dy, dx) of the eight arc slots of a grid node: four directions, then their opposites in the same order
GRID_OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1), (0, -1), (-1, 0), (-1, -1), (-1, 1))

_NONE = -1  # no parent: a free node
_TERMINAL = -2  # parent is the source or the sink
_ORPHAN = -3
_INF_D = 1 << 30


@njit(cache=True, nogil=True)
def _sister(nbr, a):  # pragma: no cover - compiled
    return nbr[a // 8, a % 8] * 8 + (a % 8 + 4) % 8


@njit(cache=True, nogil=True)
def _bottleneck(v, b, sink_side, nbr, nbr_flat, parent, rcap, tr):  # pragma: no cover - compiled
    """``b`` capped by the residual capacities on the tree path from ``v`` to its terminal, in the flow's direction
    (towards ``v`` in the source tree, away from it in the sink tree)."""
    while parent[v] != _TERMINAL:
        e = parent[v]
        fwd = e if sink_side else _sister(nbr, e)
        if rcap[fwd] < b:
            b = rcap[fwd]
        v = nbr_flat[e]
    cap = -tr[v] if sink_side else tr[v]
    return cap if cap < b else b


@njit(cache=True, nogil=True)
def _push_path(v, b, sink_side, nbr, nbr_flat, parent, rcap, tr, orphans, o_tail, size):  # pragma: no cover
    """Push ``b`` along the tree path from ``v`` to its terminal; nodes whose arc to their parent (or terminal)
    saturates become orphans. Returns the new end of the orphan ring."""
    while parent[v] != _TERMINAL:
        e = parent[v]
        se = _sister(nbr, e)
        fwd, back = (e, se) if sink_side else (se, e)
        rcap[fwd] -= b
        rcap[back] += b
        nxt = nbr_flat[e]
        if rcap[fwd] <= 0.0:
            parent[v] = _ORPHAN
            orphans[o_tail] = v
            o_tail = (o_tail + 1) % size
        v = nxt
    tr[v] += b if sink_side else -b
    if (tr[v] >= 0.0) if sink_side else (tr[v] <= 0.0):
        tr[v] = 0.0
        parent[v] = _ORPHAN
        orphans[o_tail] = v
        o_tail = (o_tail + 1) % size
    return o_tail


@njit(cache=True, nogil=True)
def _solve(nbr, cap, tr_src, tr_snk):  # pragma: no cover - compiled
    """Max-flow from the source to the sink; returns (flow value, True where a node ends on the sink side)."""
    n = nbr.shape[0]
    rcap = cap.copy().ravel()
    nbr_flat = nbr.ravel()
    # terminal capacities: push min(src, snk) straight through and keep the residual as one signed number
    tr = tr_src - tr_snk
    flow = 0.0
    for v in range(n):
        flow += min(tr_src[v], tr_snk[v])
    parent = np.full(n, _NONE, np.int64)
    is_sink = np.zeros(n, np.bool_)
    ts = np.zeros(n, np.int64)
    dist = np.zeros(n, np.int64)
    # active nodes: a FIFO ring; each node is in it at most once
    active = np.empty(n + 1, np.int64)
    in_active = np.zeros(n, np.bool_)
    a_head = 0
    a_tail = 0
    # orphans: a FIFO ring, each node at most once (its parent is _ORPHAN while it waits)
    orphans = np.empty(n + 1, np.int64)
    o_head = 0
    o_tail = 0
    size = n + 1
    for v in range(n):
        if tr[v] != 0.0:
            parent[v] = _TERMINAL
            is_sink[v] = tr[v] < 0.0
            dist[v] = 1
            active[a_tail] = v
            a_tail = (a_tail + 1) % size
            in_active[v] = True
    time = 0
    current = -1
    while True:
        # ---- pick an active node that still belongs to a tree
        i = -1
        if current >= 0:
            in_active[current] = False
            if parent[current] != _NONE:
                i = current
        while i < 0 and a_head != a_tail:
            v = active[a_head]
            a_head = (a_head + 1) % size
            in_active[v] = False
            if parent[v] != _NONE:
                i = v
        if i < 0:
            break
        # ---- growth: i's tree takes free neighbours it can send flow to (source tree) or receive it from (sink tree)
        middle = -1  # arc from the source tree to the sink tree
        side = is_sink[i]
        for k in range(8):
            j = nbr[i, k]
            if j < 0:
                continue
            a = i * 8 + k
            sa = j * 8 + (k + 4) % 8
            if rcap[sa if side else a] <= 0.0:
                continue
            if parent[j] == _NONE:
                is_sink[j] = side
                parent[j] = sa
                ts[j] = ts[i]
                dist[j] = dist[i] + 1
                if not in_active[j]:
                    active[a_tail] = j
                    a_tail = (a_tail + 1) % size
                    in_active[j] = True
            elif is_sink[j] != side:
                middle = sa if side else a
                break
            elif ts[j] <= ts[i] and dist[j] > dist[i]:
                parent[j] = sa
                ts[j] = ts[i]
                dist[j] = dist[i] + 1
        time += 1
        if middle < 0:
            current = -1
            continue
        # i stays active and is processed again first
        in_active[i] = True
        current = i
        # ---- augment along source -> tail(middle) -> head(middle) -> sink
        s_mid = _sister(nbr, middle)
        b = _bottleneck(nbr_flat[s_mid], rcap[middle], False, nbr, nbr_flat, parent, rcap, tr)
        b = _bottleneck(nbr_flat[middle], b, True, nbr, nbr_flat, parent, rcap, tr)
        rcap[s_mid] += b
        rcap[middle] -= b
        o_tail = _push_path(nbr_flat[s_mid], b, False, nbr, nbr_flat, parent, rcap, tr, orphans, o_tail, size)
        o_tail = _push_path(nbr_flat[middle], b, True, nbr, nbr_flat, parent, rcap, tr, orphans, o_tail, size)
        flow += b
        # ---- adoption
        while o_head != o_tail:
            i2 = orphans[o_head]
            o_head = (o_head + 1) % size
            sink_side = is_sink[i2]
            d_min = _INF_D
            best = _NONE
            for k in range(8):
                j = nbr[i2, k]
                if j < 0:
                    continue
                a0 = i2 * 8 + k
                sa0 = j * 8 + (k + 4) % 8
                # the arc that would carry flow from j's tree to i2 (source tree: j -> i2; sink tree: i2 -> j)
                if (rcap[a0] if sink_side else rcap[sa0]) <= 0.0:
                    continue
                if is_sink[j] != sink_side or parent[j] == _NONE:
                    continue
                # does j still reach a terminal?
                d = 0
                jj = j
                while True:
                    if ts[jj] == time:
                        d += dist[jj]
                        break
                    pa = parent[jj]
                    d += 1
                    if pa == _TERMINAL:
                        ts[jj] = time
                        dist[jj] = 1
                        break
                    if pa == _ORPHAN:
                        d = _INF_D
                        break
                    jj = nbr_flat[pa]
                if d < _INF_D:
                    if d < d_min:
                        best = a0
                        d_min = d
                    jj = j
                    while ts[jj] != time:
                        ts[jj] = time
                        dist[jj] = d
                        d -= 1
                        jj = nbr_flat[parent[jj]]
            parent[i2] = best
            if best != _NONE:
                ts[i2] = time
                dist[i2] = d_min + 1
                continue
            # no parent: i2 becomes free; its tree neighbours may grow into it again, its children are orphans
            for k in range(8):
                j = nbr[i2, k]
                if j < 0:
                    continue
                pa = parent[j]
                if is_sink[j] != sink_side or pa == _NONE:
                    continue
                a0 = i2 * 8 + k
                sa0 = j * 8 + (k + 4) % 8
                if (rcap[a0] if sink_side else rcap[sa0]) > 0.0 and not in_active[j]:
                    active[a_tail] = j
                    a_tail = (a_tail + 1) % size
                    in_active[j] = True
                if pa != _TERMINAL and pa != _ORPHAN and nbr_flat[pa] == i2:
                    parent[j] = _ORPHAN
                    orphans[o_tail] = j
                    o_tail = (o_tail + 1) % size
    sink = np.zeros(n, np.bool_)
    for v in range(n):
        sink[v] = parent[v] != _NONE and is_sink[v]
    return flow, sink


def min_cut(nbr: np.ndarray, cap: np.ndarray, tr_src: np.ndarray, tr_snk: np.ndarray) -> tuple[float, np.ndarray]:
    """Minimum s-t cut of the graph described in the module docstring. ``tr_src[v]`` is the capacity of the arc
    source -> v, ``tr_snk[v]`` that of v -> sink. Returns the flow (= cut) value and a boolean array, True for nodes on
    the sink side (free nodes count as the source side, as in PyMaxflow)."""
    nbr = np.ascontiguousarray(nbr, np.int64)
    cap = np.ascontiguousarray(cap, np.float64)
    if nbr.ndim != 2 or nbr.shape[1] != 8 or cap.shape != nbr.shape:
        raise ValueError("nbr and cap must both have shape (n, 8)")
    src = np.ascontiguousarray(tr_src, np.float64).ravel()
    snk = np.ascontiguousarray(tr_snk, np.float64).ravel()
    if src.shape[0] != nbr.shape[0] or snk.shape[0] != nbr.shape[0]:
        raise ValueError("terminal capacities must have one entry per node")
    if nbr.shape[0] == 0:
        return 0.0, np.zeros(0, bool)
    flow, sink = _solve(nbr, cap, src, snk)
    return float(flow), sink


def grid_neighbours(h: int, w: int) -> np.ndarray:
    """``nbr`` of an h x w pixel grid (node = y * w + x) with the arc slots of :data:`GRID_OFFSETS`."""
    ys, xs = np.mgrid[0:h, 0:w]
    nbr = np.full((h * w, 8), -1, np.int64)
    for k, (dy, dx) in enumerate(GRID_OFFSETS):
        qy, qx = ys + dy, xs + dx
        ok = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
        col = np.where(ok, qy * w + qx, -1)
        nbr[:, k] = col.ravel()
    return nbr
