"""Graph cuts on a pixel grid: contrast-sensitive pairwise weights, a full-grid cut, and a cut restricted to a narrow
band whose outside keeps its labels (used to refine a coarse cut at a finer scale). The max-flow itself is
:mod:`.bk`, which runs without the GIL so the app's event loop stays free while a cut is solved."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .bk import GRID_OFFSETS, grid_neighbours, min_cut

HARD = 1e9
#: neighbour offsets (dy, dx) whose edges are stored per pixel: right, down, down-right, down-left
OFFSETS = GRID_OFFSETS[:4]


@dataclass
class Pairwise:
    """Edge weight from each pixel to its neighbour at each of :data:`OFFSETS` (0 where there is none)."""

    weights: tuple[np.ndarray, ...]


def pairwise_weights(lab: np.ndarray, strength: float) -> Pairwise:
    """Contrast-sensitive Potts weights ``strength * exp(-beta |dI|^2) / dist`` (Boykov & Jolly; beta from the mean)."""
    h, w = lab.shape[:2]
    diffs = []
    for dy, dx in OFFSETS:
        xa0, xa1 = max(0, -dx), w - max(0, dx)
        a = lab[0:h - dy, xa0:xa1]
        b = lab[dy:h, xa0 + dx:xa1 + dx]
        diffs.append((xa0, xa1, ((a - b) ** 2).sum(-1)))
    beta = 1.0 / (2.0 * max(1e-6, float(np.mean(np.concatenate([d.ravel() for _, _, d in diffs])))))
    out = []
    for (dy, dx), (xa0, xa1, d2) in zip(OFFSETS, diffs):
        wts = np.zeros((h, w), np.float32)
        wts[0:h - dy, xa0:xa1] = strength * np.exp(-beta * d2) / np.hypot(dy, dx)
        out.append(wts)
    return Pairwise(tuple(out))


@lru_cache(maxsize=4)
def _grid(h: int, w: int) -> np.ndarray:
    nbr = grid_neighbours(h, w)
    nbr.flags.writeable = False
    return nbr


def _arc_capacities(pairwise: Pairwise, nbr_full: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """(len(nodes), 8) capacities of the grid arcs leaving ``nodes`` (flat pixel indices), in the slots of
    :data:`GRID_OFFSETS`; ``nbr_full`` is the whole grid's neighbour table. Edges are symmetric: the backward slot
    reads the weight stored at the neighbour."""
    cap = np.zeros((len(nodes), 8), np.float64)
    for k, wts in enumerate(pairwise.weights):
        flat = wts.ravel()
        cap[:, k] = flat[nodes]
        back = nbr_full[nodes, k + 4]
        cap[:, k + 4] = np.where(back >= 0, flat[np.maximum(back, 0)], 0.0)
    return cap


def grid_cut(cost_fg: np.ndarray, cost_bg: np.ndarray, pairwise: Pairwise, fg_hard: np.ndarray,
             bg_hard: np.ndarray) -> np.ndarray:
    """Minimum-energy labelling (True = foreground) of the whole grid."""
    h, w = cost_fg.shape
    nbr = _grid(h, w)
    cap = _arc_capacities(pairwise, nbr, np.arange(h * w))
    # source side = foreground: the source capacity is paid when a pixel ends up background
    _, sink = min_cut(nbr, cap, np.where(fg_hard, HARD, cost_bg).ravel(), np.where(bg_hard, HARD, cost_fg).ravel())
    return ~sink.reshape(h, w)


def band_cut(labels: np.ndarray, band: np.ndarray, cost_fg: np.ndarray, cost_bg: np.ndarray, pairwise: Pairwise,
             fg_hard: np.ndarray, bg_hard: np.ndarray) -> np.ndarray:
    """Re-solve only the pixels in ``band``; pixels outside keep ``labels`` and act through their edges."""
    h, w = labels.shape
    nodes = np.flatnonzero(band)
    n = len(nodes)
    if n == 0:
        return labels.copy()
    nbr_full = _grid(h, w)
    cap = _arc_capacities(pairwise, nbr_full, nodes)
    idx = np.full(h * w, -1, np.int64)
    idx[nodes] = np.arange(n)
    q = nbr_full[nodes]  # grid neighbours of the band pixels
    exists = q >= 0
    q_safe = np.maximum(q, 0)
    in_band = exists & band.ravel()[q_safe]
    nbr = np.where(in_band, idx[q_safe], -1)
    src = np.where(fg_hard.ravel()[nodes], HARD, cost_bg.ravel()[nodes]).astype(np.float64)
    snk = np.where(bg_hard.ravel()[nodes], HARD, cost_fg.ravel()[nodes]).astype(np.float64)
    # an edge to a fixed outside neighbour costs its weight when the labels differ
    fixed = exists & ~in_band
    fixed_fg = fixed & labels.ravel()[q_safe]
    src += np.where(fixed_fg, cap, 0.0).sum(1)
    snk += np.where(fixed & ~fixed_fg, cap, 0.0).sum(1)
    cap[~in_band] = 0.0
    _, sink = min_cut(nbr, cap, src, snk)
    out = labels.copy().ravel()
    out[nodes] = ~sink
    return out.reshape(h, w)
