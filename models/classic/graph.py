"""Graph cuts (PyMaxflow) on a pixel grid: contrast-sensitive pairwise weights, a full-grid cut, and a cut restricted
to a narrow band whose outside keeps its labels (used to refine a coarse cut at a finer scale)."""

from __future__ import annotations

from dataclasses import dataclass

import maxflow
import numpy as np

HARD = 1e9
#: neighbour offsets (dy, dx) whose edges are stored per pixel: right, down, down-right, down-left
OFFSETS = ((0, 1), (1, 0), (1, 1), (1, -1))


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


def grid_cut(cost_fg: np.ndarray, cost_bg: np.ndarray, pairwise: Pairwise, fg_hard: np.ndarray,
             bg_hard: np.ndarray) -> np.ndarray:
    """Minimum-energy labelling (True = foreground) of the whole grid."""
    h, w = cost_fg.shape
    g = maxflow.Graph[float]()
    nodes = g.add_grid_nodes((h, w))
    for (dy, dx), wts in zip(OFFSETS, pairwise.weights):
        structure = np.zeros((3, 3))
        structure[1 + dy, 1 + dx] = 1
        g.add_grid_edges(nodes, weights=wts, structure=structure, symmetric=True)
    # source side = foreground: the source capacity is paid when a pixel ends up background
    g.add_grid_tedges(nodes, np.where(fg_hard, HARD, cost_bg), np.where(bg_hard, HARD, cost_fg))
    g.maxflow()
    return ~g.get_grid_segments(nodes)


def band_cut(labels: np.ndarray, band: np.ndarray, cost_fg: np.ndarray, cost_bg: np.ndarray, pairwise: Pairwise,
             fg_hard: np.ndarray, bg_hard: np.ndarray) -> np.ndarray:
    """Re-solve only the pixels in ``band``; pixels outside keep ``labels`` and act through their edges."""
    idx = np.full(labels.shape, -1, np.int64)
    ys, xs = np.nonzero(band)
    n = len(ys)
    if n == 0:
        return labels.copy()
    idx[ys, xs] = np.arange(n)
    src = np.where(fg_hard[ys, xs], HARD, cost_bg[ys, xs]).astype(np.float64)
    snk = np.where(bg_hard[ys, xs], HARD, cost_fg[ys, xs]).astype(np.float64)
    g = maxflow.Graph[float]()
    g.add_nodes(n)
    h, w = labels.shape
    ei, ej, ew = [], [], []
    for (dy, dx), wts in zip(OFFSETS, pairwise.weights):
        # every edge touching the band, seen from either end
        for sign in (1, -1):
            py, px = ys, xs
            qy, qx = ys + sign * dy, xs + sign * dx
            ok = (qy >= 0) & (qy < h) & (qx >= 0) & (qx < w)
            py, px, qy, qx = py[ok], px[ok], qy[ok], qx[ok]
            wy, wx = (py, px) if sign == 1 else (qy, qx)  # the weight is stored at the edge's first pixel
            wt = wts[wy, wx].astype(np.float64)
            inside = band[qy, qx]
            if sign == 1:  # band-band edges once
                ei.append(idx[py[inside], px[inside]])
                ej.append(idx[qy[inside], qx[inside]])
                ew.append(wt[inside])
            out = ~inside
            # an edge to a fixed outside neighbour costs its weight when the labels differ
            fixed_fg = labels[qy[out], qx[out]]
            np.add.at(src, idx[py[out], px[out]][fixed_fg], wt[out][fixed_fg])
            np.add.at(snk, idx[py[out], px[out]][~fixed_fg], wt[out][~fixed_fg])
    if ei:
        i, j, wv = np.concatenate(ei), np.concatenate(ej), np.concatenate(ew)
        g.add_edges(i, j, wv, wv)
    g.add_grid_tedges(np.arange(n), src, snk)
    g.maxflow()
    seg = g.get_grid_segments(np.arange(n))
    out = labels.copy()
    out[ys, xs] = ~seg
    return out
